#include "synthgrad/distributed/gradient_averager.h"

#include <algorithm>
#include <utility>

#include "synthgrad/core/elementwise.h"
#include "synthgrad/core/error.h"

namespace sg::distributed {

GradientAverager::GradientAverager(Communicator& communicator, std::vector<Variable> parameters,
                                   AveragerOptions options)
    : communicator_(communicator), parameters_(std::move(parameters)), options_(options) {
  SG_CHECK(options_.bucket_bytes > 0, "GradientAverager: bucket_bytes must be positive, got {}",
           options_.bucket_bytes);
  // Reverse order: backward finishes the last layers' gradients first.
  std::vector<int64_t> floats;  // per bucket
  for (size_t i = parameters_.size(); i-- > 0;) {
    const Variable& p = parameters_[i];
    SG_CHECK(p.defined() && p.data().dtype() == DType::f32,
             "GradientAverager: parameter {} is not a defined f32 tensor", i);
    // A frozen parameter is never reported ready: in a bucket it would hold the bucket back.
    if (!p.requires_grad()) {
      unbucketed_.push_back(i);
      continue;
    }
    if (buckets_.empty() ||
        (floats.back() > 0 && (floats.back() + p.numel()) * 4 > options_.bucket_bytes)) {
      buckets_.emplace_back();
      floats.push_back(0);
    }
    buckets_.back().members.push_back(i);
    bucket_of_[p.impl()] = buckets_.size() - 1;
    floats.back() += p.numel();
  }
  for (size_t b = 0; b < buckets_.size(); ++b) {
    Bucket& bucket = buckets_[b];
    const auto members = static_cast<int64_t>(bucket.members.size());
    bucket.flat = Tensor::empty({floats[b] + members});
    int64_t offset = 0;
    for (size_t i : bucket.members) {
      const Variable& p = parameters_[i];
      bucket.parts.push_back(bucket.flat.slice(0, offset, offset + p.numel()).view(p.shape()));
      offset += p.numel();
    }
    bucket.has_gradient = bucket.flat.slice(0, offset, offset + members);
  }
}

int64_t GradientAverager::bytes_per_step() const {
  int64_t bytes = 0;
  for (const Bucket& bucket : buckets_) bytes += bucket.flat.numel() * 4;
  return bytes;
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
  SG_CHECK(it->second >= next_to_start_,
           "GradientAverager: a gradient became ready again after its bucket was sent; watch "
           "only one backward per finish()");
  ++buckets_[it->second].ready;
  start_ready_buckets();
  // Open MPI moves non-blocking collectives on only inside MPI calls: give it one per gradient.
  for (size_t b = 0; b < next_to_start_; ++b) buckets_[b].request.test();
}

void GradientAverager::start_ready_buckets() {
  while (next_to_start_ < buckets_.size() &&
         buckets_[next_to_start_].ready == buckets_[next_to_start_].members.size())
    start(buckets_[next_to_start_++]);
}

// Copies the bucket's gradients into its buffer (zeros for a parameter without one), flags which
// it has, and starts its allreduce.
void GradientAverager::start(Bucket& bucket) {
  bucket.request.wait();  // the buffer may not be written while a transfer reads it
  float* flags = bucket.has_gradient.data<float>();
  for (size_t k = 0; k < bucket.members.size(); ++k) {
    const Tensor& grad = parameters_[bucket.members[k]].grad();
    flags[k] = grad.defined() ? 1.0f : 0.0f;
    if (grad.defined())
      copy_into(bucket.parts[k], grad);
    else
      fill_inplace(bucket.parts[k], 0.0f);
  }
  bucket.request =
      communicator_.allreduce_sum_async(bucket.flat.data<float>(), bucket.flat.numel());
}

void GradientAverager::finish() {
  // A parameter frozen when the buckets were laid out and unfrozen since would keep each rank's own
  // gradient, and the ranks' models would drift apart. Checked with one rank too, so that the
  // mistake shows before the program runs on several.
  for (const size_t i : unbucketed_) {
    const Variable& p = parameters_[i];
    SG_CHECK(!p.grad().defined(),
             "GradientAverager: parameter {} ({}) has a gradient, but it did not require one when "
             "the averager was built, so no bucket averages it; build the averager after "
             "unfreezing",
             i, describe(p.data()));
  }
  if (communicator_.size() == 1) return;
  while (next_to_start_ < buckets_.size()) start(buckets_[next_to_start_++]);
  const float scale = 1.0f / static_cast<float>(communicator_.size());
  for (Bucket& bucket : buckets_) {
    bucket.request.wait();
    const float* ranks_with_gradient = bucket.has_gradient.data<float>();
    for (size_t k = 0; k < bucket.members.size(); ++k)
      if (ranks_with_gradient[k] > 0.0f)
        parameters_[bucket.members[k]].set_grad(mul(bucket.parts[k], scale));
    bucket.ready = 0;
  }
  next_to_start_ = 0;
}

void broadcast_parameters(Communicator& communicator, const std::vector<Variable>& parameters,
                          int root) {
  for (size_t i = 0; i < parameters.size(); ++i) {
    const Variable& p = parameters[i];
    SG_CHECK(p.data().is_contiguous(), "broadcast_parameters: parameter {} ({}) must be contiguous",
             i, describe(p.data()));
    Tensor data = p.data();  // shares the parameter's storage: broadcast writes into it
    communicator.broadcast(data, root);
  }
}

}  // namespace sg::distributed
