#pragma once
// Thread-local switches: whether ops record the graph, and anomaly detection.

namespace sg {

bool grad_enabled();
void set_grad_enabled(bool enabled);

// Within its scope ops record nothing: for evaluation and for optimizer updates.
class NoGradGuard {
 public:
  NoGradGuard() : previous_(grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// Anomaly detection: the first op whose forward output or backward gradient holds a NaN or Inf
// throws an sg::Error naming the op and the call stack that created it. Costly: for debugging.
bool anomaly_enabled();
void set_anomaly_enabled(bool enabled);

class AnomalyGuard {
 public:
  AnomalyGuard() : previous_(anomaly_enabled()) { set_anomaly_enabled(true); }
  ~AnomalyGuard() { set_anomaly_enabled(previous_); }
  AnomalyGuard(const AnomalyGuard&) = delete;
  AnomalyGuard& operator=(const AnomalyGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace sg
