// Builds the embedded default data sets from Debian packages that scripts/setup.sh installs, so the
// main job runs with no download:
//   wordnet-lex: WordNet noun glosses labelled with their lexicographer file (animal, plant, food,
//                person, artifact, location), in the SST-2 TSV format: train.tsv and dev.tsv
//                (`sentence<TAB>label` with a header) and test.tsv (`index<TAB>sentence`).
//   wordnet-glosses.txt: the glosses and usage examples of every WordNet synset (all parts of
//                speech) but those of wordnet-lex's dev and test examples, one per line: unlabelled
//                text to pre-train on.
//   fortunes.txt: the fortune-cookie quotes of the `fortunes` package, for a small language model.
//
//   build/examples/prepare_default_data --out build/data
#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>

#include "examples/support/cli.h"
#include "synthgrad/core/atomic_file.h"
#include "synthgrad/core/error.h"

namespace fs = std::filesystem;

namespace {

// Lexicographer file numbers of the classes used (see lexnames(5WN)).
const std::map<int, std::string> kClasses{{5, "animal"},    {6, "artifact"}, {13, "food"},
                                          {15, "location"}, {18, "person"},  {20, "plant"}};
constexpr int kPerClass = 2500;  // keeps the classes balanced and a run near two minutes

void write_text(const fs::path& path, const std::string& text) {
  sg::AtomicFile file(path.string());
  file.write(text.data(), text.size());
  file.commit();
}

// "offset lexfile pos ... | gloss; "example"" -> (lexfile, gloss without its examples).
bool parse_synset(const std::string& line, int& lexfile, std::string& gloss) {
  if (line.empty() || line[0] == ' ') return false;  // the licence header
  std::istringstream fields(line);
  std::string offset;
  fields >> offset >> lexfile;
  const auto bar = line.find(" | ");
  if (bar == std::string::npos) return false;
  gloss = line.substr(bar + 3);
  gloss = gloss.substr(0, gloss.find(';'));
  while (!gloss.empty() && (gloss.back() == ' ' || gloss.back() == '\t')) gloss.pop_back();
  return !gloss.empty() && gloss.find('\t') == std::string::npos;
}

std::ifstream open_wordnet(const fs::path& source) {
  std::ifstream in(source);
  SG_CHECK(in.good(),
           "prepare_default_data: cannot read '{}' (is the wordnet-base package installed?)",
           source.string());
  return in;
}

// One line in ten of data.noun goes to dev and one to test: a split fixed by the file, not by
// chance.
bool held_out(int64_t line_number) {
  return line_number % 10 == 3 || line_number % 10 == 7;
}

// Every synset's text after " | " (gloss and examples), but the task's held-out lines.
void write_wordnet_corpus(const fs::path& wordnet, const fs::path& out) {
  std::string text;
  for (const char* part : {"noun", "verb", "adj", "adv"}) {
    std::ifstream in = open_wordnet(wordnet / fmt::format("data.{}", part));
    int64_t line_number = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_number;
      const auto bar = line.find(" | ");
      if (line.empty() || line[0] == ' ' || bar == std::string::npos) continue;
      if (std::string_view(part) == "noun" && held_out(line_number)) continue;
      std::string gloss = line.substr(bar + 3);
      while (!gloss.empty() && (gloss.back() == ' ' || gloss.back() == '\t')) gloss.pop_back();
      text += gloss + "\n";
    }
  }
  write_text(out, text);
  fmt::print("wrote {} ({} bytes)\n", out.string(), text.size());
}

void write_wordnet_task(const fs::path& wordnet, const fs::path& out) {
  std::ifstream in = open_wordnet(wordnet / "data.noun");
  std::map<int, int> taken;
  std::string train = "sentence\tlabel\n", dev = "sentence\tlabel\n", test = "index\tsentence\n";
  int64_t line_number = 0, test_index = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    int lexfile = -1;
    std::string gloss;
    if (!parse_synset(line, lexfile, gloss)) continue;
    auto cls = kClasses.find(lexfile);
    if (cls == kClasses.end() || taken[lexfile]++ >= kPerClass) continue;
    if (line_number % 10 == 3)
      dev += fmt::format("{}\t{}\n", gloss, cls->second);
    else if (line_number % 10 == 7)
      test += fmt::format("{}\t{}\n", test_index++, gloss);
    else
      train += fmt::format("{}\t{}\n", gloss, cls->second);
  }
  fs::create_directories(out);
  write_text(out / "train.tsv", train);
  write_text(out / "dev.tsv", dev);
  write_text(out / "test.tsv", test);
  fmt::print("wrote {} ({} classes, {} examples each at most)\n", out.string(), kClasses.size(),
             kPerClass);
}

void write_fortunes(const fs::path& folder, const fs::path& out) {
  SG_CHECK(fs::is_directory(folder),
           "prepare_default_data: no folder '{}' (is the fortunes package installed?)",
           folder.string());
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.is_regular_file() && !entry.is_symlink() && entry.path().extension().empty() &&
        entry.path().filename() != "ascii-art" && entry.path().filename() != "art")
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());  // directory order varies between machines
  std::string text;
  for (const auto& path : files) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) text += line == "%" ? "\n" : line + "\n";
  }
  write_text(out, text);
  fmt::print("wrote {} ({} files, {} bytes)\n", out.string(), files.size(), text.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::string out = "build/data", wordnet = "/usr/share/wordnet",
              fortunes = "/usr/share/games/fortunes";
  CLI::App app{"Write the default data sets (WordNet gloss classification, fortunes text)",
               "prepare_default_data"};
  app.add_option("--out", out, "output folder")->capture_default_str();
  app.add_option("--wordnet", wordnet, "WordNet database folder")->capture_default_str();
  app.add_option("--fortunes", fortunes, "fortunes folder")->capture_default_str();
  return sg::examples::run_cli(app, argc, argv, [&] {
    write_wordnet_task(wordnet, fs::path(out) / "wordnet-lex");
    write_wordnet_corpus(wordnet, fs::path(out) / "wordnet-glosses.txt");
    write_fortunes(fortunes, fs::path(out) / "fortunes.txt");
    return 0;
  });
}
