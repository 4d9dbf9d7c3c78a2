#pragma once
// Module checkpoints in safetensors (core/safetensors.h): parameters and buffers under their
// hierarchical names, so the weights open in Python and PyTorch. Saves are atomic.
#include <string>

#include "synthgrad/core/safetensors.h"
#include "synthgrad/nn/module.h"

namespace sg::nn {

// Parameters, then buffers, under their hierarchical names.
NamedTensorList state_of(const Module& module);

// Copies `state` into the module's tensors (in place). Every name, shape and dtype must match;
// otherwise nothing is changed and one error reports, per kind of mismatch (missing, unexpected,
// of a different shape or dtype), the count and the first few names.
void load_state(Module& module, const NamedTensorList& state, const std::string& source);

void save_module(const Module& module, const std::string& path, const Metadata& metadata = {});
// Returns the file's metadata.
Metadata load_module(Module& module, const std::string& path);

// A training checkpoint: model tensors under "model.", any further state (optimizer moments, ...)
// under the prefixes its owners chose, and metadata strings (schedule step, data position, RNG
// states, config). One atomic file, so a resume never sees a half-written mix.
struct TrainingCheckpoint {
  NamedTensorList extra_tensors;
  Metadata metadata;
};
void save_training_checkpoint(const std::string& path, const Module& model,
                              const TrainingCheckpoint& extra);
TrainingCheckpoint load_training_checkpoint(const std::string& path, Module& model);
// The same from a file already read (`path` names it in errors), for a caller that looks at the
// metadata before the model takes the tensors.
TrainingCheckpoint load_training_checkpoint(const SafetensorsContent& content,
                                            const std::string& path, Module& model);

}  // namespace sg::nn
