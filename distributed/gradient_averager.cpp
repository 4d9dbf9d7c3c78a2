#include "synthgrad/distributed/gradient_averager.h"

#include <algorithm>
#include <utility>

#include "synthgrad/core/creation.h"
#include "synthgrad/core/error.h"

namespace sg::distributed {

GradientAverager::GradientAverager(Communicator& communicator, std::vector<Variable> parameters,
                                   AveragerOptions options)
    : communicator_(communicator), parameters_(std::move(parameters)), options_(options) {
  SG_CHECK(options_.bucket_bytes > 0, "GradientAverager: bucket_bytes must be positive, got {}",
           options_.bucket_bytes);
  // Reverse order: backward finishes the last layers' gradients first.
  int64_t bytes = 0;
  for (size_t i = parameters_.size(); i-- > 0;) {
    const Variable& p = parameters_[i];
    // A frozen parameter is never reported ready: in a bucket it would hold the bucket back.
    if (!p.requires_grad()) continue;
    SG_CHECK(p.defined() && p.data().dtype() == DType::f32,
             "GradientAverager: parameter {} is not a defined f32 tensor", i);
    const int64_t size = p.numel() * 4;
    if (buckets_.empty() || (bytes > 0 && bytes + size > options_.bucket_bytes)) {
      buckets_.emplace_back();
      bytes = 0;
    }
    buckets_.back().members.push_back(i);
    bucket_of_[p.impl()] = buckets_.size() - 1;
    bytes += size;
  }
}

int64_t GradientAverager::bytes_per_step() const {
  int64_t floats = 0;
  for (const Variable& p : parameters_)
    if (p.requires_grad()) floats += p.numel();
  return floats * 4;
}

GradientReadyGuard GradientAverager::watch_backward() {
  // A second backward before finish() would add to gradients whose buckets are already on their
  // way: the reduction would miss it. Accumulating micro-batches means watching the last one only.
  SG_CHECK(next_to_start_ == 0 && std::all_of(buckets_.begin(), buckets_.end(),
                                              [](const Bucket& b) { return b.ready == 0; }),
           "GradientAverager: watch_backward() again before finish(); watch only the last "
           "backward of a step");
  if (!options_.overlap || communicator_.size() == 1) return GradientReadyGuard(nullptr);
  return GradientReadyGuard([this](const Variable& leaf) { on_gradient_ready(leaf); });
}

void GradientAverager::on_gradient_ready(const Variable& leaf) {
  const auto it = bucket_of_.find(leaf.impl());
  if (it == bucket_of_.end()) return;  // not one of ours
  Bucket& own = buckets_[it->second];
  SG_CHECK(!own.started,
           "GradientAverager: a gradient became ready again after its bucket was sent; watch "
           "only one backward per finish()");
  ++own.ready;
  start_ready_buckets();
  // Open MPI moves non-blocking collectives on only inside MPI calls: give it one per gradient.
  for (Bucket& bucket : buckets_)
    if (bucket.started) bucket.request.test();
}

void GradientAverager::start_ready_buckets() {
  while (next_to_start_ < buckets_.size() &&
         buckets_[next_to_start_].ready == buckets_[next_to_start_].members.size())
    start(buckets_[next_to_start_++]);
}

// Copies the bucket's gradients into one flat buffer (zeros for a parameter without one) and
// starts its allreduce.
void GradientAverager::start(Bucket& bucket) {
  bucket.request.wait();  // the buffer may not be written while a transfer reads it
  int64_t floats = 0;
  for (size_t i : bucket.members) floats += parameters_[i].numel();
  if (!bucket.flat.defined()) bucket.flat = Tensor::empty({floats});
  float* flat = bucket.flat.data<float>();
  for (size_t i : bucket.members) {
    const Variable& p = parameters_[i];
    if (p.grad().defined()) {
      const Tensor grad = p.grad().contiguous();
      std::copy_n(grad.data<float>(), p.numel(), flat);
    } else {
      std::fill_n(flat, p.numel(), 0.0f);
    }
    flat += p.numel();
  }
  bucket.started = true;
  bucket.request = communicator_.allreduce_sum_async(bucket.flat.data<float>(), floats);
}

void GradientAverager::finish() {
  if (communicator_.size() == 1) return;
  while (next_to_start_ < buckets_.size()) start(buckets_[next_to_start_++]);
  const float scale = 1.0f / static_cast<float>(communicator_.size());
  for (Bucket& bucket : buckets_) {
    bucket.request.wait();
    const float* flat = bucket.flat.data<float>();
    for (size_t i : bucket.members) {
      Variable& p = parameters_[i];
      Tensor average = Tensor::empty(p.shape());
      float* out = average.data<float>();
      for (int64_t j = 0; j < p.numel(); ++j) out[j] = flat[j] * scale;
      p.set_grad(average);
      flat += p.numel();
    }
    bucket.ready = 0;
    bucket.started = false;
  }
  next_to_start_ = 0;
}

void broadcast_parameters(Communicator& communicator, const std::vector<Variable>& parameters,
                          int root) {
  for (const Variable& p : parameters) {
    SG_CHECK(p.data().is_contiguous(), "broadcast_parameters: parameter of shape {} is a view",
             shape_str(p.shape()));
    Tensor data = p.data();
    communicator.broadcast(data, root);
  }
}

}  // namespace sg::distributed
