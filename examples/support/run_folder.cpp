#include "examples/support/run_folder.h"

#include <filesystem>

#include "examples/support/cli.h"
#include "examples/support/run_lock.h"
#include "synthgrad/core/error.h"
#include "synthgrad/distributed/communicator.h"

namespace sg::examples {

namespace {

// A set-aside is built in a folder of its own and then renamed into place in one step; a process
// killed while moving the files leaves them split between the two, and they go back together.
std::string partial_set_aside(const RunFolder& folder) {
  return folder.earlier_run() + ".partial";
}

void move_file(const std::string& from, const std::string& to_folder) {
  std::error_code error;
  std::filesystem::rename(
      from, std::filesystem::path(to_folder) / std::filesystem::path(from).filename(), error);
  SG_CHECK(!error, "cannot move '{}' to '{}': {}", from, to_folder, error.message());
}

void undo_interrupted_set_aside(const RunFolder& folder) {
  const std::string partial = partial_set_aside(folder);
  if (!std::filesystem::exists(partial)) return;
  for (const auto& entry : std::filesystem::directory_iterator(partial))
    move_file(entry.path().string(), folder.path);
  std::filesystem::remove(partial);
}

// What a killed write of one of the run's files left behind (core/atomic_file writes
// "<name>.tmp.XXXXXX" and renames it): only those names, as --out may be a folder of other files.
void remove_temporary_files(const RunFolder& folder) {
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(folder.path, ignored))
    for (const std::string& file : folder.files())
      if (entry.path().filename().string().starts_with(
              std::filesystem::path(file).filename().string() + ".tmp."))
        std::filesystem::remove(entry.path(), ignored);
}

// Moves the run's files into earlier_run(), replacing what was there.
void move_run_aside(const RunFolder& folder) {
  const std::string partial = partial_set_aside(folder);
  std::error_code error;
  std::filesystem::create_directory(partial, error);
  SG_CHECK(!error, "cannot make '{}' for the earlier run: {}", partial, error.message());
  for (const std::string& file : folder.files())
    if (std::filesystem::exists(file)) move_file(file, partial);
  std::filesystem::remove_all(folder.earlier_run(), error);
  if (!error) std::filesystem::rename(partial, folder.earlier_run(), error);
  SG_CHECK(!error, "cannot move '{}' to '{}': {}", partial, folder.earlier_run(), error.message());
}

RunFolder open_for_this_process(const std::string& path, RunStart start) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  SG_CHECK(!error, "--out: cannot create the run folder '{}': {}", path, error.message());
  const RunFolder folder{path, std::make_shared<const RunLock>(path)};
  undo_interrupted_set_aside(folder);
  remove_temporary_files(folder);
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
  // divergence) leaves nothing to resume or keep: a fresh run takes its place. A best model alone
  // is a run (pretrain --steps 0 writes nothing else), unless an --overwrite's set-aside waits:
  // then it is that overwrite's, killed between its first best model and checkpoint, and the run
  // set aside stays the folder's.
  const bool started = std::filesystem::exists(folder.last_checkpoint()) ||
                       (std::filesystem::exists(folder.best_model()) && !set_aside);
  if (start == RunStart::fresh && set_aside && !started)
    throw UsageError(fmt::format(
        "'{}' holds no run but {}, pass --overwrite to replace it, or choose another --out", path,
        restore));
  if (start == RunStart::fresh && started)
    throw UsageError(fmt::format(
        "'{}' already holds a run ({}): continue it with --resume, choose another --out, or "
        "pass --overwrite to delete that run first",
        path,
        std::filesystem::path(std::filesystem::exists(folder.last_checkpoint())
                                  ? folder.last_checkpoint()
                                  : folder.best_model())
            .filename()
            .string()));
  if (start == RunStart::overwrite && started) {
    move_run_aside(folder);
    fmt::print(stderr, "the earlier run's files wait in '{}' until this run saves a checkpoint\n",
               folder.earlier_run());
    return folder;
  }
  for (const std::string& file : folder.files()) {
    std::filesystem::remove(file, error);
    SG_CHECK(!error, "cannot delete '{}' of the earlier run: {}", file, error.message());
  }
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
