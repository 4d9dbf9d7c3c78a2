#include <doctest/doctest.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>

#include "child_process.h"
#include "examples/support/cli.h"
#include "examples/support/run_folder.h"

using namespace sg;
using examples::RunStart;
namespace fs = std::filesystem;

namespace {

std::string fresh_folder(const std::string& name) {
  const fs::path path = fs::temp_directory_path() / ("sg_run_folder_" + name);
  fs::remove_all(path);
  return path.string();
}

std::string refusal(const std::string& path, RunStart start) {
  try {
    examples::open_run_folder(path, start);
  } catch (const examples::UsageError& e) {
    return e.what();
  }
  return "";
}

// Resumes the run of a folder and dies holding it, as a killed or crashed run does.
int die_holding_run_folder(const std::vector<std::string>& args) {
  const auto folder = examples::open_run_folder(args.at(0), RunStart::resume);
  std::raise(SIGKILL);
  return 0;
}
SG_CHILD_ROUTINE("die_holding_run_folder", die_holding_run_folder);

}  // namespace

TEST_CASE("a second run on a live run's folder refuses, naming the folder and the process") {
  const std::string path = fresh_folder("live");
  std::optional<examples::RunFolder> first = examples::open_run_folder(path, RunStart::fresh);
  std::ofstream(first->best_model()) << "the live run's model";
  for (RunStart start : {RunStart::fresh, RunStart::resume, RunStart::overwrite}) {
    const std::string message = refusal(path, start);
    CHECK(message.find("'" + path + "' is in use") != std::string::npos);
    CHECK(message.find("process " + std::to_string(getpid())) != std::string::npos);
  }
  CHECK(fs::exists(first->best_model()));  // --overwrite deleted nothing of the live run
  const examples::RunFolder copy = *first;
  first.reset();
  CHECK_FALSE(refusal(path, RunStart::resume).empty());  // a copy still holds the lock
}

TEST_CASE("a run folder is free again once its run ended, also when the run was killed") {
  const std::string path = fresh_folder("ended");
  std::ofstream(examples::open_run_folder(path, RunStart::fresh).last_checkpoint()) << "a run";
  CHECK(refusal(path, RunStart::resume).empty());
  CHECK(sg::testing::run_child("die_holding_run_folder", {path}) == 128 + SIGKILL);
  CHECK(fs::exists(path + "/.lock"));
  CHECK(refusal(path, RunStart::resume).empty());
}

TEST_CASE("--resume into a folder without a last checkpoint says there is no run") {
  const std::string path = fresh_folder("nothing_to_resume");
  CHECK(refusal(path, RunStart::resume) ==
        "--resume: '" + path + "' holds no run to resume (no last.safetensors)");
}

TEST_CASE(
    "a fresh run refuses a started run's folder, and replaces one stopped before a checkpoint") {
  const std::string path = fresh_folder("stopped_early");
  {
    const auto early = examples::open_run_folder(path, RunStart::fresh);
    std::ofstream(early.tokenizer()) << "tokens";
    std::ofstream(early.log()) << "step\n1\n";
  }
  std::string best, last;
  {
    const auto again = examples::open_run_folder(path, RunStart::fresh);
    CHECK_FALSE(fs::exists(again.tokenizer()));
    CHECK_FALSE(fs::exists(again.log()));
    best = again.best_model();
    last = again.last_checkpoint();
  }
  // A best model alone is a run too: pretrain --steps 0 writes nothing else.
  for (const std::string& checkpoint : {best, last}) {
    std::ofstream(checkpoint) << "a model";
    CHECK(refusal(path, RunStart::fresh).find("already holds a run") != std::string::npos);
    fs::remove(checkpoint);
  }
}

TEST_CASE("--overwrite keeps the earlier run aside, so a new run that fails early loses nothing") {
  const std::string path = fresh_folder("overwritten");
  {
    const auto first = examples::open_run_folder(path, RunStart::fresh);
    std::ofstream(first.last_checkpoint()) << "the earlier model";
    std::ofstream(first.log()) << "step\n1\n";
  }
  const auto second = examples::open_run_folder(path, RunStart::overwrite);
  CHECK_FALSE(fs::exists(second.last_checkpoint()));
  CHECK_FALSE(fs::exists(second.log()));
  std::ifstream kept(second.earlier_run() + "/last.safetensors");
  std::string content;
  std::getline(kept, content);
  CHECK(content == "the earlier model");
  CHECK(fs::exists(second.earlier_run() + "/log.csv"));
}

TEST_CASE("a run an --overwrite set aside is not lost to a fresh run when that overwrite stopped") {
  const std::string path = fresh_folder("set_aside");
  {
    const auto first = examples::open_run_folder(path, RunStart::fresh);
    std::ofstream(first.last_checkpoint()) << "the earlier model";
  }
  // The overwriting run stops before its first checkpoint: the earlier run waits aside.
  const std::string aside = examples::open_run_folder(path, RunStart::overwrite).earlier_run();
  // A fresh run would have deleted it at its first checkpoint, silently.
  const std::string message = refusal(path, RunStart::fresh);
  CHECK(message.find("holds no run but the run an --overwrite set aside") != std::string::npos);
  CHECK(message.find("waits in '" + aside + "': move its files back") != std::string::npos);
  CHECK(refusal(path, RunStart::resume).find("move its files back to continue it") !=
        std::string::npos);
  CHECK(fs::exists(aside + "/last.safetensors"));
  // --overwrite may still replace it (it waits until the new run's first checkpoint).
  examples::open_run_folder(path, RunStart::overwrite);
  CHECK(fs::exists(aside + "/last.safetensors"));
  // Also when the overwriting run was killed between its first best model and checkpoint: the
  // next --overwrite deleted the earlier run, keeping the dead run's best model instead.
  std::ofstream(path + "/best.safetensors") << "a dead run's model";
  examples::open_run_folder(path, RunStart::overwrite);
  std::ifstream kept(aside + "/last.safetensors");
  std::string content;
  std::getline(kept, content);
  CHECK(content == "the earlier model");
  CHECK_FALSE(fs::exists(path + "/best.safetensors"));
}

TEST_CASE("a set-aside killed half-way is put back together, and killed writes' files removed") {
  const std::string path = fresh_folder("half_aside");
  {
    const auto first = examples::open_run_folder(path, RunStart::fresh);
    std::ofstream(first.last_checkpoint()) << "the checkpoint";
    std::ofstream(first.log()) << "step\n1\n";
    // A kill after the log had moved into the set-aside's folder, before the checkpoint did.
    fs::create_directory(first.earlier_run() + ".partial");
    fs::rename(first.log(), first.earlier_run() + ".partial/log.csv");
    std::ofstream(path + "/last.safetensors.tmp.Ab12Cd") << "half a checkpoint";
  }
  const auto second = examples::open_run_folder(path, RunStart::overwrite);
  CHECK(fs::exists(second.earlier_run() + "/last.safetensors"));
  CHECK(fs::exists(second.earlier_run() + "/log.csv"));
  CHECK_FALSE(fs::exists(second.earlier_run() + ".partial"));
  CHECK_FALSE(fs::exists(path + "/last.safetensors.tmp.Ab12Cd"));
}

TEST_CASE("a finished run with a best model alone (pretrain --steps 0) is set aside, not deleted") {
  const std::string path = fresh_folder("best_alone");
  {
    const auto first = examples::open_run_folder(path, RunStart::fresh);
    std::ofstream(first.best_model()) << "the trunk";
  }
  CHECK(refusal(path, RunStart::fresh).find("already holds a run (best.safetensors)") !=
        std::string::npos);
  const auto second = examples::open_run_folder(path, RunStart::overwrite);
  CHECK(fs::exists(second.earlier_run() + "/best.safetensors"));
}
