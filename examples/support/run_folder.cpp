#include "examples/support/run_folder.h"

#include <filesystem>

#include "examples/support/cli.h"
#include "examples/support/run_lock.h"
#include "synthgrad/core/error.h"
#include "synthgrad/distributed/communicator.h"

namespace sg::examples {

namespace {

RunFolder open_for_this_process(const std::string& path, RunStart start) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  SG_CHECK(!error, "--out: cannot create the run folder '{}': {}", path, error.message());
  const RunFolder folder{path, std::make_shared<const RunLock>(path)};
  // An --overwrite that stopped before its first checkpoint leaves the run it replaced set aside,
  // and that run is still the folder's: a fresh run would delete it at its first checkpoint.
  const bool set_aside = std::filesystem::exists(folder.earlier_run());
  const std::string restore = fmt::format(
      "the run an --overwrite set aside waits in '{}': move its files back to "
      "continue it",
      folder.earlier_run());
  if (start == RunStart::resume) {
    if (!std::filesystem::exists(folder.last_checkpoint()))
      throw UsageError(
          fmt::format("--resume: '{}' holds no run to resume (no {}){}", path,
                      std::filesystem::path(folder.last_checkpoint()).filename().string(),
                      set_aside ? "; " + restore : std::string()));
    return folder;
  }
  // A run that stopped before its first checkpoint (bad input, Ctrl-C during set-up, early
  // divergence) leaves nothing to resume or keep: a fresh run takes its place.
  const bool started = std::filesystem::exists(folder.last_checkpoint()) ||
                       std::filesystem::exists(folder.best_model());
  if (start == RunStart::fresh && set_aside && !started)
    throw UsageError(fmt::format(
        "'{}' holds no run but {}, pass --overwrite to replace it, or choose another --out", path,
        restore));
  const bool keep = start == RunStart::overwrite && started;
  if (keep) {
    std::filesystem::remove_all(folder.earlier_run(), error);
    std::filesystem::create_directory(folder.earlier_run(), error);
    SG_CHECK(!error, "cannot make '{}' for the earlier run: {}", folder.earlier_run(),
             error.message());
  }
  for (const std::string& file : folder.files()) {
    if (!std::filesystem::exists(file)) continue;
    if (start == RunStart::fresh && started)
      throw UsageError(fmt::format(
          "'{}' already holds a run ({}): continue it with --resume, choose another --out, or "
          "pass --overwrite to delete that run first",
          path, std::filesystem::path(file).filename().string()));
    if (keep)
      std::filesystem::rename(
          file,
          std::filesystem::path(folder.earlier_run()) / std::filesystem::path(file).filename(),
          error);
    else
      std::filesystem::remove(file, error);
    SG_CHECK(!error, "cannot move or delete '{}' of the earlier run: {}", file, error.message());
  }
  if (keep)
    fmt::print(stderr, "the earlier run's files wait in '{}' until this run saves a checkpoint\n",
               folder.earlier_run());
  return folder;
}

}  // namespace

RunFolder open_run_folder(const std::string& path, RunStart start) {
  distributed::Communicator& world = distributed::Communicator::world();
  if (!world.is_root()) {
    world.barrier();
    // Rank 0's lock file: a rank that cannot see it would train and then fail at the end, when it
    // reads the best model rank 0 wrote.
    SG_CHECK(std::filesystem::exists(path + "/.lock"),
             "rank {} does not see the run folder '{}' that rank 0 made: --out must be on a file "
             "system every rank shares",
             world.rank(), path);
    return RunFolder{path};
  }
  RunFolder folder = open_for_this_process(path, start);
  world.barrier();
  return folder;
}

void discard_earlier_run(const RunFolder& folder) {
  std::error_code ignored;  // a leftover folder is harmless: the next --overwrite replaces it
  std::filesystem::remove_all(folder.earlier_run(), ignored);
}

}  // namespace sg::examples
