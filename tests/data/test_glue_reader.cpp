#include <doctest/doctest.h>

#include "fixtures.h"
#include "synthgrad/data/glue_reader.h"

using namespace sg;
using namespace sg::data;
using sg::testing::error_message;
using sg::testing::TempFolder;

namespace {

// Writes the files, then reads `split` of `task` from them.
std::vector<Example> read(const TempFolder& folder, const char* task, const char* split) {
  return read_split(glue_task(task), folder.path.string(), split);
}

}  // namespace

TEST_CASE("CoLA: headerless train and dev, headed test, quotes kept") {
  TempFolder folder;
  folder.write("train.tsv",
               "gj04\t1\t\tOur friends won't buy this analysis, let alone the next one.\n"
               "gj04\t0\t*\tThey drank the pub \"dry.\n");
  folder.write("dev.tsv", "bc01\t1\t\tThe sailors rode the breeze clear of the rocks.\n");
  folder.write("test.tsv", "index\tsentence\n0\tBill whistled past the house.\n");

  const auto train = read(folder, "CoLA", "train");
  REQUIRE(train.size() == 2);
  CHECK(train[0].text_a == "Our friends won't buy this analysis, let alone the next one.");
  CHECK(train[0].text_b.empty());
  CHECK(train[0].label == 1);
  CHECK(train[1].text_a == "They drank the pub \"dry.");
  CHECK(train[1].label == 0);
  CHECK(train[1].has_label);
  CHECK(read(folder, "CoLA", "dev").size() == 1);

  const auto test = read(folder, "CoLA", "test");
  REQUIRE(test.size() == 1);
  CHECK(test[0].text_a == "Bill whistled past the house.");
  CHECK_FALSE(test[0].has_label);
}

TEST_CASE("SST-2: sentence and label by header, test with index, CRLF line ends") {
  TempFolder folder;
  folder.write("train.tsv",
               "sentence\tlabel\nhide new secretions from the parental units \t0\n"
               "the \" charm of the movie \t1\n");
  folder.write("dev.tsv", "sentence\tlabel\r\nit 's a charming journey . \t1\r\n");
  folder.write("test.tsv", "index\tsentence\n0\tuneasy mishmash of styles and genres .\n");

  const auto train = read(folder, "sst-2", "train");
  REQUIRE(train.size() == 2);
  CHECK(train[1].text_a == "the \" charm of the movie ");
  CHECK(train[1].label == 1);
  const auto dev = read(folder, "SST-2", "dev");
  REQUIRE(dev.size() == 1);
  CHECK(dev[0].text_a == "it 's a charming journey . ");
  CHECK(dev[0].label == 1);
  const auto test = read(folder, "SST-2", "test");
  REQUIRE(test.size() == 1);
  CHECK(test[0].text_a == "uneasy mishmash of styles and genres .");
  CHECK_FALSE(test[0].has_label);
}

TEST_CASE("MRPC: Quality and the #1 and #2 strings") {
  TempFolder folder;
  folder.write("train.tsv",
               "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
               "1\t702876\t702977\tAmrozi accused his brother , whom he called \" the witness \" "
               ".\tReferring to him as only \" the witness \" , Amrozi accused his brother .\n"
               "0\t2108705\t2108831\tYucaipa owned Dominick 's .\tYucaipa bought Dominick 's .\n");
  folder.write("test.tsv",
               "index\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
               "0\t1089874\t1089925\tPCCW 's chief operating officer\tCurrent Chief Operating "
               "Officer\n");
  const auto train = read(folder, "MRPC", "train");
  REQUIRE(train.size() == 2);
  CHECK(train[0].text_a == "Amrozi accused his brother , whom he called \" the witness \" .");
  CHECK(train[0].text_b ==
        "Referring to him as only \" the witness \" , Amrozi accused his brother .");
  CHECK(train[0].label == 1);
  CHECK(train[1].label == 0);
  const auto test = read(folder, "MRPC", "test");
  REQUIRE(test.size() == 1);
  CHECK(test[0].text_b == "Current Chief Operating Officer");
  CHECK_FALSE(test[0].has_label);
}

TEST_CASE("STS-B: regression scores") {
  TempFolder folder;
  const std::string header =
      "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2";
  folder.write("train.tsv", header +
                                "\tscore\n0\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\tA "
                                "plane is taking off.\tAn air plane is taking off.\t5.000\n"
                                "1\tmain-captions\tMSRvid\t2012test\t0004\tnone\tnone\tA man is "
                                "playing a \"flute.\tA man is playing a flute.\t3.800\n");
  folder.write("test.tsv",
               header + "\n0\tmain-news\theadlines\t2016\t0001\tnone\tnone\tA b\tC d\n");
  const auto train = read(folder, "STS-B", "train");
  REQUIRE(train.size() == 2);
  CHECK(train[0].score == doctest::Approx(5.0f));
  CHECK(train[1].score == doctest::Approx(3.8f));
  CHECK(train[1].text_a == "A man is playing a \"flute.");
  CHECK(train[1].label == -1);
  const auto test = read(folder, "STS-B", "test");
  REQUIRE(test.size() == 1);
  CHECK(test[0].text_b == "C d");
  CHECK_FALSE(test[0].has_label);
}

TEST_CASE("QQP: question pairs and is_duplicate") {
  TempFolder folder;
  folder.write("train.tsv",
               "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n"
               "133273\t213221\t213222\tHow is the life of a math student?\tWhich level of "
               "prepration is enough for the exam jlpt5?\t0\n"
               "402555\t536040\t536041\tHow do I control my \"horny emotions?\tHow do you control "
               "your horniness?\t1\n");
  folder.write("test.tsv", "id\tquestion1\tquestion2\n0\tWould the idea work?\tWill it work?\n");
  const auto train = read(folder, "QQP", "train");
  REQUIRE(train.size() == 2);
  CHECK(train[1].text_a == "How do I control my \"horny emotions?");
  CHECK(train[1].label == 1);
  const auto test = read(folder, "QQP", "test");
  REQUIRE(test.size() == 1);
  CHECK(test[0].text_a == "Would the idea work?");
  CHECK(test[0].text_b == "Will it work?");
}

TEST_CASE("MNLI: train, matched and mismatched dev and test") {
  TempFolder folder;
  const std::string common =
      "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\t"
      "sentence1_parse\tsentence2_parse\tsentence1\tsentence2";
  const std::string parses = "\t( a )\t( b )\t(ROOT a)\t(ROOT b)\t";
  folder.write("train.tsv", common + "\tlabel1\tgold_label\n0\t31193\t31193n\tgovernment" + parses +
                                "Conceptually cream skimming has \"two basic dimensions.\t"
                                "Product and geography are what make cream skimming work. "
                                "\tneutral\tneutral\n");
  const std::string dev_header = common + "\tlabel1\tlabel2\tlabel3\tlabel4\tlabel5\tgold_label\n";
  folder.write("dev_matched.tsv",
               dev_header + "0\t63735\t63735n\tslate" + parses +
                   "The new rights are nice enough\tEveryone really likes the newest benefits "
                   "\tneutral\tentailment\tneutral\tneutral\tneutral\tneutral\n");
  folder.write("dev_mismatched.tsv",
               dev_header + "0\t75290\t75290c\tletters" + parses +
                   "Your contribution helped\tYour contributions were of no help"
                   "\tcontradiction\tcontradiction\tcontradiction\tcontradiction\tcontradiction"
                   "\tcontradiction\n");
  folder.write("test_matched.tsv", common + "\n0\t31349\t31349\tgovernment" + parses + "A\tB\n");

  const auto train = read(folder, "MNLI", "train");
  REQUIRE(train.size() == 1);
  CHECK(train[0].text_a == "Conceptually cream skimming has \"two basic dimensions.");
  CHECK(train[0].label == 1);  // entailment, neutral, contradiction
  const auto matched = read(folder, "MNLI", "dev_matched");
  REQUIRE(matched.size() == 1);
  CHECK(matched[0].text_b == "Everyone really likes the newest benefits ");
  CHECK(matched[0].label == 1);
  CHECK(read(folder, "MNLI", "dev")[0].text_a == matched[0].text_a);  // dev means matched
  const auto mismatched = read(folder, "MNLI", "dev_mismatched");
  REQUIRE(mismatched.size() == 1);
  CHECK(mismatched[0].label == 2);
  const auto test = read(folder, "MNLI", "test");
  REQUIRE(test.size() == 1);
  CHECK(test[0].text_a == "A");
  CHECK_FALSE(test[0].has_label);
  CHECK(error_message([&] {
          read(folder, "MNLI", "test_mismatched");
        }).find("test_mismatched.tsv") != std::string::npos);
}

TEST_CASE("QNLI, RTE and WNLI: index, two sentences, label") {
  TempFolder folder;
  const std::vector<std::tuple<const char*, const char*, const char*>> tasks = {
      {"QNLI", "index\tquestion\tsentence\tlabel", "not_entailment"},
      {"RTE", "index\tsentence1\tsentence2\tlabel", "not_entailment"},
      {"WNLI", "index\tsentence1\tsentence2\tlabel", "1"}};
  for (const auto& [task, header, label] : tasks) {
    const auto& task_value = task;  // clang 14 cannot capture a structured binding
    CAPTURE(task_value);
    folder.write("train.tsv",
                 std::string(header) + "\n0\tWhat \"is it?\tIt is a test.\t" + label + "\n");
    const std::string test_header = std::string(header).substr(0, std::string(header).rfind('\t'));
    folder.write("test.tsv", test_header + "\n0\tFirst.\tSecond.\n");
    const auto train = read(folder, task, "train");
    REQUIRE(train.size() == 1);
    CHECK(train[0].text_a == "What \"is it?");
    CHECK(train[0].text_b == "It is a test.");
    CHECK(train[0].label == 1);
    const auto test = read(folder, task, "test");
    REQUIRE(test.size() == 1);
    CHECK(test[0].text_b == "Second.");
    CHECK_FALSE(test[0].has_label);
  }
}

TEST_CASE("task descriptions") {
  CHECK(glue_tasks().size() == 9);
  const TaskSpec& stsb = glue_task("sts-b");
  CHECK(stsb.is_regression);
  CHECK(stsb.is_pair);
  CHECK(stsb.metrics == std::vector<std::string>{"pearson", "spearman"});
  CHECK(glue_task("CoLA").metrics == std::vector<std::string>{"mcc"});
  CHECK(glue_task("MRPC").metrics == std::vector<std::string>{"f1", "accuracy"});
  CHECK_FALSE(glue_task("SST-2").is_pair);
  CHECK(glue_task("MNLI").num_labels() == 3);
  CHECK(glue_task("MNLI").split_file("test").file == "test_matched.tsv");
  CHECK(error_message([] { glue_task("SQuAD"); }).find("CoLA, SST-2") != std::string::npos);
  // Names as people type them: any case, with or without GLUE's hyphen; others are no GLUE task.
  CHECK(find_glue_task("sst2")->name == "SST-2");
  CHECK(find_glue_task("STSB")->name == "STS-B");
  CHECK(find_glue_task("rte")->name == "RTE");
  CHECK(find_glue_task("toy") == nullptr);
  CHECK(error_message([] {
          glue_task("RTE").split_file("validation");
        }).find("splits: train, dev, test") != std::string::npos);
}

TEST_CASE("malformed lines name the file and the 1-based line") {
  TempFolder folder;
  const std::string path = folder.file("train.tsv");
  // The error of reading `text` as the task's train split.
  const auto error_reading = [&](const char* task, const std::string& text) {
    folder.write("train.tsv", text);
    return error_message([&] { read(folder, task, "train"); });
  };
  CHECK(error_reading("SST-2",
                      "sentence\tlabel\ngood film\t1\nno label column here\nbad film\t0\n") ==
        path + ":3: expected 2 tab-separated columns, found 1");
  CHECK(error_reading("SST-2", "sentence\tlabel\ngood\t1\nfine\tpositive\n") ==
        path + ":3: unknown label 'positive' (labels: 0, 1)");
  CHECK(error_reading("SST-2", "sentence\tlabel\ngood\t1\tmore\n").find(path + ":2:") == 0);
  CHECK(error_reading("SST-2", "text\tlabel\ngood\t1\n") ==
        path + ":1: no column 'sentence' in the header (columns: text, label)");
  CHECK(error_reading("SST-2", "").find("empty file") != std::string::npos);
  CHECK(error_reading("CoLA", "gj04\t1\t\tFine.\ngj04\t1\tFine, too.\n") ==
        path + ":2: expected 4 tab-separated columns, found 3");

  const std::string header =
      "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n";
  const std::vector<std::pair<std::string, std::string>> bad_scores = {
      {"high", "bad score 'high', expected a number"},
      {"4.0x", "bad score '4.0x', expected a number"},
      {"", "bad score '', expected a number"},
      {"nan", "bad score 'nan', expected a number"},
      {"1e30", "score 1e30 is outside STS-B's range [0, 5]"},
      {"-1", "score -1 is outside STS-B's range [0, 5]"},
      {"5.01", "score 5.01 is outside STS-B's range [0, 5]"}};
  for (const auto& [score, complaint] : bad_scores) {
    CAPTURE(score);
    CHECK(error_reading("STS-B", header + "0\tg\tf\ty\to\ts\ts\tA\tB\t" + score + "\n") ==
          path + ":2: " + complaint);
  }

  CHECK(error_reading("SST-2", "sentence\tlabel\ngood\t1\nbad \xff film\t0\n") ==
        path + ":3: column 'sentence' holds bytes that are not UTF-8 (byte 5 of the field)");
  CHECK(error_reading("SST-2", std::string("sentence\tlabel\nnul \0 here\t1\n", 28)) ==
        path + ":2: column 'sentence' holds a NUL byte (byte 5 of the field)");
  CHECK(error_reading("SST-2", "sentence\tlabel\tsentence\ngood\t1\tbad\n") ==
        path + ":1: the header names column 'sentence' twice");
  // A header and nothing else: found when read, not after a training run.
  CHECK(error_reading("SST-2", "sentence\tlabel\n") == path + ": no examples in the train split");
}

TEST_CASE("a missing file names the task and the path") {
  TempFolder folder;
  const std::string message = error_message([&] { read(folder, "MRPC", "dev"); });
  CHECK(message == "MRPC: missing dev file '" + folder.file("dev.tsv") + "'");
}

TEST_CASE("TSV task: any label strings, collected from train") {
  TempFolder folder;
  folder.write("train.tsv",
               "sentence\tlabel\nlovely\tpos\nawful \"day\tneg\nfine\tneutral\nok\tpos\n");
  folder.write("dev.tsv", "sentence\tlabel\nterrible\tneg\n");
  const TaskSpec task = tsv_task("toy", folder.path.string());
  CHECK(task.name == "toy");
  CHECK(error_message([&] { tsv_task("", folder.path.string()); }) ==
        "tsv_task: a task needs a name without tabs or line breaks, got ''");
  CHECK(task.label_names == std::vector<std::string>{"neg", "neutral", "pos"});
  CHECK(task.metrics == std::vector<std::string>{"accuracy"});
  const auto train = read_split(task, folder.path.string(), "train");
  REQUIRE(train.size() == 4);
  CHECK(train[1].text_a == "awful \"day");
  CHECK(train[1].label == 0);
  CHECK(train[0].label == 2);
  CHECK(read_split(task, folder.path.string(), "dev")[0].label == 0);

  folder.write("dev.tsv", "sentence\tlabel\nmeh\tmixed\n");
  CHECK(error_message([&] {
          read_split(task, folder.path.string(), "dev");
        }).find("dev.tsv:2: unknown label 'mixed'") != std::string::npos);
  folder.write("train.tsv", "sentence\tlabel\n");
  CHECK(error_message([&] { tsv_task("empty", folder.path.string()); }).find("no labelled rows") !=
        std::string::npos);
}

TEST_CASE("TSV task with known label names: reads no train split") {
  TempFolder folder;
  folder.write("dev.tsv", "sentence\tlabel\nterrible\tneg\nlovely\tpos\n");
  const TaskSpec task = tsv_task("toy", std::vector<std::string>{"pos", "neg"});
  CHECK(task.name == "toy");
  CHECK(task.label_names == std::vector<std::string>{"pos", "neg"});
  const auto dev = read_split(task, folder.path.string(), "dev");
  REQUIRE(dev.size() == 2);
  CHECK(dev[0].label == 1);
  CHECK(dev[1].label == 0);
}

TEST_CASE(
    "GLUE files as downloaded: byte-order mark, CRLF, no final newline, blank lines at the end") {
  TempFolder folder;
  // MRPC's files start with a UTF-8 byte-order mark.
  folder.write("train.tsv",
               "\xEF\xBB\xBF"
               "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\r\n"
               "1\t1\t2\tA man runs .\tA man is running .\r\n\r\n");
  const auto mrpc = read(folder, "MRPC", "train");
  REQUIRE(mrpc.size() == 1);
  CHECK(mrpc[0].label == 1);
  CHECK(mrpc[0].text_b == "A man is running .");
  // CoLA's dev file ends without a newline.
  folder.write("dev.tsv", "gj04\t1\t\tFine.\nbc01\t0\t*\tDog the barked.");
  const auto cola = read(folder, "CoLA", "dev");
  REQUIRE(cola.size() == 2);
  CHECK(cola[1].text_a == "Dog the barked.");
  CHECK(cola[1].label == 0);
}

TEST_CASE("GLUE tasks keep quotes as text even at the start of a field") {
  TempFolder folder;
  folder.write("train.tsv",
               "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n"
               "1\t2\t3\t\"What is\tit?\t0\n"
               "4\t5\t6\tWhy?\t\"Why not?\"\t1\n");
  const auto train = read(folder, "QQP", "train");
  REQUIRE(train.size() == 2);
  CHECK(train[0].text_a == "\"What is");
  CHECK(train[0].text_b == "it?");
  CHECK(train[1].text_b == "\"Why not?\"");
}

TEST_CASE("TSV task written by pandas: index column, quoted tabs, line ends and quotes") {
  TempFolder folder;
  // pandas.DataFrame.to_csv(sep="\t") with its default index, as a user writes a custom task.
  folder.write("train.tsv",
               "\tsentence\tlabel\n"
               "0\t\"Great film.\nWould watch \"\"again\"\".\"\tvery good\n"
               "1\t\"tab\there\"\t\"bad\tbad\"\n"
               "2\tplain\t1.0\n"
               "3\tnaïve\tnégatif\n");
  folder.write("dev.tsv", "\tsentence\tlabel\r\n0\t\"multi\r\nline\"\tvery good\r\n");
  const TaskSpec task = tsv_task("reviews", folder.path.string());
  CHECK(task.label_names == std::vector<std::string>{"1.0", "bad\tbad", "négatif", "very good"});
  const auto train = read_split(task, folder.path.string(), "train");
  REQUIRE(train.size() == 4);
  CHECK(train[0].text_a == "Great film.\nWould watch \"again\".");
  CHECK(train[0].label == 3);
  CHECK(train[1].text_a == "tab\there");
  CHECK(train[1].label == 1);
  CHECK(train[2].label == 0);
  CHECK(train[3].label == 2);
  const auto dev = read_split(task, folder.path.string(), "dev");
  REQUIRE(dev.size() == 1);
  CHECK(dev[0].text_a == "multi\r\nline");
  CHECK(dev[0].label == 3);

  // Errors name the line where the record starts.
  const std::string path = folder.write("dev.tsv",
                                        "\tsentence\tlabel\n0\t\"a\nb\nc\"\tvery good\n"
                                        "1\t\"d\ne\"\n");
  CHECK(error_message([&] { read_split(task, folder.path.string(), "dev"); }) ==
        path + ":5: expected 3 tab-separated columns, found 2");
  folder.write("dev.tsv", "\tsentence\tlabel\n0\tok\tvery good\n1\t\"unclosed\tvery good\n");
  CHECK(error_message([&] { read_split(task, folder.path.string(), "dev"); }) ==
        path + ":3: a quoted field opened in this record never closes");
}

TEST_CASE("TSV task: a file without a header line or with an empty label says so") {
  TempFolder folder;
  const std::string path = folder.write("train.tsv", "great film\tpos\nawful film\tneg\n");
  CHECK(error_message([&] { tsv_task("reviews", folder.path.string()); }) ==
        path +
            ":1: no header line: reviews files start with a line naming their columns "
            "(sentence, label), this one with 'great film\\tpos'");
  folder.write("train.tsv", "sentence\tlabel\ngreat\tpos\nmissing\t\n");
  CHECK(error_message([&] { tsv_task("reviews", folder.path.string()); }) ==
        path + ":3: empty label");
  // The same holds for a GLUE task; a long first line is cut short.
  folder.write("train.tsv", std::string(100, 'x') + "\t1\n");
  const std::string message = error_message([&] { read(folder, "SST-2", "train"); });
  CHECK(message.find(path + ":1: no header line: SST-2 files") == 0);
  CHECK(message.find(std::string(60, 'x') + "...'") != std::string::npos);
  CHECK(message.find(std::string(61, 'x')) == std::string::npos);
}
