#include "synthgrad/nn/module.h"

#include <algorithm>

#include "synthgrad/core/format.h"

namespace sg::nn {

namespace {

void check_name(const std::string& name, const std::string& type) {
  SG_CHECK(!name.empty() && name.find('.') == std::string::npos,
           "{}: name '{}' must be non-empty and contain no '.'", type, name);
}

template <class List>
bool has_name(const List& list, const std::string& name) {
  return std::any_of(list.begin(), list.end(),
                     [&](const auto& item) { return item.first == name; });
}

std::string with_prefix(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// 1234567 -> "1,234,567"
std::string grouped(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

Variable Module::register_parameter(std::string name, Tensor value) {
  check_name(name, type_name());
  SG_CHECK(!has_name(parameters_, name) && !has_name(buffers_, name) && !has_name(children_, name),
           "{}: '{}' is registered twice", type_name(), name);
  Variable v(std::move(value), true);
  v.set_name(name);
  parameters_.emplace_back(std::move(name), v);
  return v;
}

Tensor Module::register_buffer(std::string name, Tensor value) {
  check_name(name, type_name());
  SG_CHECK(!has_name(parameters_, name) && !has_name(buffers_, name) && !has_name(children_, name),
           "{}: '{}' is registered twice", type_name(), name);
  buffers_.emplace_back(std::move(name), value);
  return value;
}

void Module::add_submodule(std::string name, std::shared_ptr<Module> module) {
  check_name(name, type_name());
  SG_CHECK(module != nullptr, "{}: submodule '{}' is null", type_name(), name);
  SG_CHECK(!has_name(parameters_, name) && !has_name(buffers_, name) && !has_name(children_, name),
           "{}: '{}' is registered twice", type_name(), name);
  children_.emplace_back(std::move(name), std::move(module));
}

const Tensor& Module::buffer(const std::string& name) const {
  for (const auto& [n, t] : buffers_)
    if (n == name) return t;
  fail("{}: no buffer named '{}'", type_name(), name);
}

void Module::set_buffer(const std::string& name, const Tensor& value) {
  for (auto& [n, t] : buffers_) {
    if (n != name) continue;
    SG_CHECK(value.shape() == t.shape() && value.dtype() == t.dtype(),
             "{}: buffer '{}' is {} {}, given {} {}", type_name(), name, dtype_name(t.dtype()),
             shape_str(t.shape()), dtype_name(value.dtype()), shape_str(value.shape()));
    copy_into(t, value);  // in place: modules hold the same storage
    return;
  }
  fail("{}: no buffer named '{}'", type_name(), name);
}

void Module::collect_parameters(const std::string& prefix, NamedVariables& out) const {
  for (const auto& [name, v] : parameters_) out.emplace_back(with_prefix(prefix, name), v);
  for (const auto& [name, child] : children_)
    child->collect_parameters(with_prefix(prefix, name), out);
}

void Module::collect_buffers(const std::string& prefix, NamedTensors& out) const {
  for (const auto& [name, t] : buffers_) out.emplace_back(with_prefix(prefix, name), t);
  for (const auto& [name, child] : children_)
    child->collect_buffers(with_prefix(prefix, name), out);
}

NamedVariables Module::named_parameters() const {
  NamedVariables out;
  collect_parameters("", out);
  return out;
}

std::vector<Variable> Module::parameters() const {
  std::vector<Variable> out;
  for (auto& [name, v] : named_parameters()) out.push_back(v);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect_buffers("", out);
  return out;
}

int64_t Module::parameter_count() const {
  int64_t n = 0;
  for (const auto& [name, v] : named_parameters()) n += v.numel();
  return n;
}

void Module::train(bool training) {
  training_ = training;
  for (auto& [name, child] : children_) child->train(training);
}

void Module::zero_grad() {
  for (auto& [name, v] : named_parameters()) v.zero_grad();
}

void Module::print(const std::string& name, int depth, std::string& out) const {
  const std::string indent(2 * depth, ' ');
  out += fmt::format("{}{}{}({}) [{} parameters]\n", indent,
                     name.empty() ? "" : "(" + name + "): ", type_name(), settings(),
                     grouped(parameter_count()));
  for (const auto& [n, v] : parameters_)
    out += fmt::format("{}  {} {}\n", indent, n, shape_str(v.shape()));
  for (const auto& [n, t] : buffers_)
    out += fmt::format("{}  {} {} (buffer)\n", indent, n, shape_str(t.shape()));
  for (const auto& [n, child] : children_) child->print(n, depth + 1, out);
}

std::string Module::to_string() const {
  std::string out;
  print("", 0, out);
  return out;
}

}  // namespace sg::nn
