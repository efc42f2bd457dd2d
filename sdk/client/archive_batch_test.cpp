// Unit tests of sdk/client/archive_batch.h: batch files round-trip (every
// proof equals make_proof's, the file re-encodes to itself), the index finds
// every document and duplicates, renewals nest (three algorithms, permuted
// leaves, rebuilt from per-document proofs), the writer is crash-safe and
// never overwrites, the names file refuses paths that leave their folder,
// and damaged files (every truncation, extension, a flipped byte in every
// section, wrong offsets, an altered index, a chain over 32 batches) give
// Code::malformed with a reason, never a crash.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "client/archive_batch.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "client/archive.h"
#include "codec/codec.h"

namespace archive = govchain::client::archive;
namespace fs = std::filesystem;
using archive::BatchFile;
using archive::Digest;
using archive::HashAlgorithm;
using govchain::Bytes;
using govchain::Code;
using govchain::Status;

namespace {

Digest document_hash(HashAlgorithm algorithm, uint64_t number) {
  return archive::hash_bytes(algorithm, govchain::to_bytes("document " + std::to_string(number)));
}

std::vector<Digest> document_hashes(HashAlgorithm algorithm, uint64_t count) {
  std::vector<Digest> hashes;
  for (uint64_t number = 0; number < count; ++number) hashes.push_back(document_hash(algorithm, number));
  return hashes;
}

govchain::client::TrustAnchor test_trust_anchor() {
  govchain::client::TrustAnchor anchor{"govchain-test", 1, {}};
  for (uint8_t key = 1; key <= 4; ++key) {
    govchain::PublicKey value;
    value.data.fill(key);
    anchor.validators.push_back(value);
  }
  return anchor;
}

archive::AnchorRecord test_anchor(const archive::PreparedBatch& batch, bool with_bundle) {
  archive::AnchorRecord anchor;
  anchor.chain_id = "govchain-test";
  anchor.batch_id = batch.batch_id;
  anchor.tx_hash = document_hash(HashAlgorithm::sha256, 999999);
  anchor.height = 7;
  anchor.time_ms = 1767225600000;
  if (with_bundle) {
    anchor.bundle = govchain::to_bytes("bundle bytes, not checked by the batch file");
    anchor.trust_anchor = test_trust_anchor();
  }
  return anchor;
}

archive::PreparedBatch first_batch(uint64_t count) {
  return archive::prepare_batch(HashAlgorithm::sha256, document_hashes(HashAlgorithm::sha256, count), {}).value();
}

BatchFile from_bytes(const Bytes& bytes) { return BatchFile::from_bytes(bytes).value(); }

Bytes encode(const archive::PreparedBatch& batch, const archive::AnchorRecord& anchor) {
  return archive::encode_batch_file(batch, anchor).value();
}

// Every leaf's proof from the file equals make_proof's, and the index finds it.
void check_matches(const archive::PreparedBatch& batch, const archive::AnchorRecord& anchor, const BatchFile& file) {
  REQUIRE(file.document_count() == batch.document_hashes.size());
  for (uint64_t leaf = 0; leaf < file.document_count(); ++leaf) {
    auto expected = archive::make_proof(batch, anchor, leaf).value();
    auto read = file.proof(leaf);
    REQUIRE(read.ok());
    CHECK(archive::canonical_proof_bytes(*read) == archive::canonical_proof_bytes(expected));
    CHECK(archive::proof_to_json(*read) == archive::proof_to_json(expected));
    auto found = file.find(batch.document_hashes[leaf]).value();
    CHECK(std::find(found.begin(), found.end(), leaf) != found.end());
  }
}

fs::path temporary_folder(const std::string& name) {
  auto folder =
      fs::temp_directory_path() /
      ("archive_batch_test_" + name + "_" +
       govchain::to_hex(archive::hash_bytes(HashAlgorithm::sha256, govchain::to_bytes(name)).view()).substr(0, 8));
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

// Overwrites the u64 at `offset` (big-endian), as a forger editing a table would.
void put_u64(Bytes& bytes, size_t offset, uint64_t value) {
  for (int byte = 0; byte < 8; ++byte) bytes[offset + byte] = static_cast<uint8_t>(value >> (56 - 8 * byte));
}

// Where the section table starts: the header's size minus the table.
size_t table_offset(const Bytes& bytes, size_t section_count) {
  govchain::codec::Reader reader(govchain::ByteView(bytes).subspan(archive::batch_magic.size() + 1, 4));
  const uint32_t header_size = reader.u32().value();
  return archive::batch_prefix_size_bytes + header_size - 16 * section_count;
}

}  // namespace

TEST_CASE("level widths and the index") {
  CHECK(archive::level_widths(1) == std::vector<uint64_t>{1});
  CHECK(archive::level_widths(5) == std::vector<uint64_t>{5, 3, 2, 1});
  std::vector<Digest> hashes = document_hashes(HashAlgorithm::sha256, 3000);
  hashes[17] = hashes[2500];  // duplicates sort by leaf
  hashes[40] = hashes[2500];
  auto index = archive::document_index(hashes);
  REQUIRE(index.size() == hashes.size());
  std::vector<uint32_t> expected(hashes.size());
  for (uint32_t leaf = 0; leaf < expected.size(); ++leaf) expected[leaf] = leaf;
  std::sort(expected.begin(), expected.end(), [&](uint32_t left, uint32_t right) {
    return hashes[left] < hashes[right] || (hashes[left] == hashes[right] && left < right);
  });
  CHECK(index == expected);
}

TEST_CASE("a batch file gives back every proof and re-encodes to itself") {
  for (uint64_t count : {1, 2, 3, 5, 17, 64, 1000}) {
    for (bool with_bundle : {false, true}) {
      CAPTURE(count);
      auto batch = first_batch(count);
      auto anchor = test_anchor(batch, with_bundle);
      const Bytes bytes = encode(batch, anchor);
      REQUIRE(BatchFile::looks_like_batch_file(std::string(bytes.begin(), bytes.begin() + 30)));
      auto file = from_bytes(bytes);
      CHECK(file.check().ok());
      CHECK(file.size_bytes() == bytes.size());
      CHECK(file.header().root == batch.tree->root());
      CHECK(file.header().bundle == anchor.bundle);
      CHECK(file.header().trust_anchor == anchor.trust_anchor);
      check_matches(batch, anchor, file);
      auto [again, again_anchor] = archive::read_prepared_batch(file).value();
      CHECK(encode(again, again_anchor) == bytes);
    }
  }
}

TEST_CASE("1,000 documents take 32 + 4 bytes each and the levels above the leaves") {
  auto batch = first_batch(1000);
  const Bytes bytes = encode(batch, test_anchor(batch, false));
  uint64_t levels_size = 0;
  for (uint64_t width : archive::level_widths(1000)) levels_size += width * 32;
  const uint64_t sections_size = 1000 * 36 + levels_size - 1000 * 32;
  CHECK(bytes.size() > sections_size);
  CHECK(bytes.size() < sections_size + 450);  // prefix, header and table
}

TEST_CASE("duplicate documents: the index finds every leaf, the scan the first") {
  auto hashes = document_hashes(HashAlgorithm::sha256, 9);
  hashes[7] = hashes[2];
  hashes[4] = hashes[2];
  auto batch = archive::prepare_batch(HashAlgorithm::sha256, hashes, {}).value();
  auto file = from_bytes(encode(batch, test_anchor(batch, false)));
  CHECK(file.check().ok());
  CHECK(file.find(hashes[2]).value() == std::vector<uint64_t>{2, 4, 7});
  CHECK(file.find(hashes[2], 2).value() == std::vector<uint64_t>{2, 4});
  CHECK(file.scan(hashes[2]).value() == std::optional<uint64_t>(2));
  CHECK(file.find(document_hash(HashAlgorithm::sha256, 77)).value().empty());
  CHECK_FALSE(file.scan(document_hash(HashAlgorithm::sha256, 77)).value().has_value());
  CHECK(file.proof(9).status().code() == Code::invalid_argument);
}

TEST_CASE("renewals nest: three algorithms, permuted leaves, verified offline") {
  auto first = first_batch(6);
  auto first_file = std::make_shared<const BatchFile>(from_bytes(encode(first, test_anchor(first, true))));
  // Document i of the renewal renews leaf (i * 5) % 6 of the first batch.
  std::vector<uint32_t> renewed{0, 5, 4, 3, 2, 1};
  std::vector<Digest> sha3;
  for (uint32_t leaf : renewed) sha3.push_back(document_hash(HashAlgorithm::sha3_256, leaf));
  auto second = archive::prepare_renewal(HashAlgorithm::sha3_256, sha3, first_file, renewed, 2).value();
  auto second_anchor = test_anchor(second, true);
  auto second_file = std::make_shared<const BatchFile>(from_bytes(encode(second, second_anchor)));
  CHECK(second_file->check().ok());
  check_matches(second, second_anchor, *second_file);
  std::vector<Digest> sha512;
  for (uint32_t leaf = 0; leaf < 6; ++leaf) sha512.push_back(document_hash(HashAlgorithm::sha512_256, renewed[leaf]));
  std::vector<uint32_t> identity{0, 1, 2, 3, 4, 5};
  auto third = archive::prepare_renewal(HashAlgorithm::sha512_256, sha512, second_file, identity, 0).value();
  auto third_anchor = test_anchor(third, false);
  const Bytes bytes = encode(third, third_anchor);
  auto third_file = from_bytes(bytes);
  CHECK(third_file.check().ok());
  CHECK(third_file.algorithms().size() == 3);
  check_matches(third, third_anchor, third_file);
  auto [again, again_anchor] = archive::read_prepared_batch(third_file).value();
  CHECK(encode(again, again_anchor) == bytes);

  auto proof = third_file.proof(1).value();  // renews leaf 5 of the first batch
  CHECK(proof.previous->previous->leaf_index == 5);
  archive::DocumentDigests digests{{HashAlgorithm::sha256, document_hash(HashAlgorithm::sha256, 5)},
                                   {HashAlgorithm::sha3_256, document_hash(HashAlgorithm::sha3_256, 5)},
                                   {HashAlgorithm::sha512_256, document_hash(HashAlgorithm::sha512_256, 5)}};
  auto verification = archive::check_proof_offline(proof, digests);
  CHECK(verification.valid());
  CHECK(verification.steps.size() == 3);
  digests[HashAlgorithm::sha256] = document_hash(HashAlgorithm::sha256, 4);
  CHECK(archive::check_proof_offline(proof, digests).verdict == archive::Verdict::document_altered);
}

TEST_CASE("a renewal needs the whole batch, each leaf once, within 32 batches") {
  auto first = first_batch(4);
  auto file = std::make_shared<const BatchFile>(from_bytes(encode(first, test_anchor(first, false))));
  auto hashes = document_hashes(HashAlgorithm::sha3_256, 4);
  CHECK(archive::prepare_renewal(HashAlgorithm::sha3_256, hashes, file, {0, 1, 2, 2}, 0).status().code() ==
        Code::invalid_argument);
  CHECK(archive::prepare_renewal(HashAlgorithm::sha3_256, hashes, file, {0, 1, 2, 4}, 0).status().code() ==
        Code::invalid_argument);
  CHECK_FALSE(archive::prepare_renewal(HashAlgorithm::sha3_256, {hashes[0]}, file, {0}, 0).ok());
  CHECK_FALSE(archive::prepare_renewal(HashAlgorithm::sha3_256, hashes, nullptr, {0, 1, 2, 3}, 0).ok());

  auto single = first_batch(1);
  auto chain = std::make_shared<const BatchFile>(from_bytes(encode(single, test_anchor(single, false))));
  for (int length = 2; length <= 32; ++length) {
    auto renewal =
        archive::prepare_renewal(HashAlgorithm::sha256, {document_hash(HashAlgorithm::sha256, 0)}, chain, {0}, 0);
    REQUIRE(renewal.ok());
    chain = std::make_shared<const BatchFile>(from_bytes(encode(*renewal, test_anchor(*renewal, false))));
  }
  CHECK(chain->check().ok());
  CHECK(archive::prepare_renewal(HashAlgorithm::sha256, {document_hash(HashAlgorithm::sha256, 0)}, chain, {0}, 0)
            .status()
            .code() == Code::too_large);
}

TEST_CASE("a batch kept as proof files is rebuilt exactly; a missing or altered proof is refused") {
  auto first = first_batch(7);
  auto anchor = test_anchor(first, true);
  std::vector<std::shared_ptr<const archive::Proof>> proofs;
  for (uint64_t leaf = 7; leaf-- > 0;)  // any order
    proofs.push_back(std::make_shared<const archive::Proof>(archive::make_proof(first, anchor, leaf).value()));
  auto rebuilt = archive::batch_from_proofs(proofs);
  REQUIRE(rebuilt.ok());
  CHECK(archive::encode_batch_file(first, anchor).value() ==
        archive::encode_batch_file(archive::read_prepared_batch(*rebuilt)->first, anchor).value());

  // The old interface: a renewal from per-document proofs.
  std::vector<Digest> sha3;
  for (const auto& proof : proofs) sha3.push_back(document_hash(HashAlgorithm::sha3_256, proof->leaf_index));
  auto renewal = archive::prepare_batch(HashAlgorithm::sha3_256, sha3, proofs).value();
  auto renewal_anchor = test_anchor(renewal, false);
  std::vector<std::shared_ptr<const archive::Proof>> renewed;
  for (uint64_t leaf = 0; leaf < 7; ++leaf) {
    auto proof = archive::make_proof(renewal, renewal_anchor, leaf).value();
    CHECK(archive::canonical_proof_bytes(*proof.previous) == archive::canonical_proof_bytes(*proofs[leaf]));
    renewed.push_back(std::make_shared<const archive::Proof>(std::move(proof)));
  }
  auto nested = archive::batch_from_proofs(renewed);
  REQUIRE(nested.ok());
  CHECK(nested->previous() != nullptr);

  auto missing = proofs;
  missing.pop_back();
  CHECK(archive::batch_from_proofs(missing).status().code() == Code::invalid_argument);
  auto twice = proofs;
  twice.back() = twice.front();
  CHECK(archive::batch_from_proofs(twice).status().code() == Code::invalid_argument);
  auto altered = std::make_shared<archive::Proof>(*proofs[3]);
  altered->path[0].sibling.data[0] ^= 1;
  auto with_altered = proofs;
  with_altered[3] = altered;
  CHECK(archive::batch_from_proofs(with_altered).status().code() == Code::invalid_argument);
  auto other_document = std::make_shared<archive::Proof>(*proofs[2]);
  other_document->document_hash = document_hash(HashAlgorithm::sha256, 99);
  with_altered = proofs;
  with_altered[2] = other_document;
  CHECK(archive::batch_from_proofs(with_altered).status().code() == Code::invalid_argument);
}

TEST_CASE("the writer syncs, renames, never overwrites, and leaves nothing behind on failure") {
  const auto folder = temporary_folder("writer");
  auto batch = first_batch(100);
  auto anchor = test_anchor(batch, true);
  const auto path = folder / "sub" / "bestand.batch";
  {
    auto writer = archive::BatchFileWriter::open(path).value();
    CHECK(archive::BatchFileWriter::open(path).ok());  // not there yet: a second writer may start
    uint64_t last_done = 0;
    REQUIRE(writer.write(batch, anchor, [&](uint64_t done, uint64_t) { last_done = done; }).ok());
    CHECK(last_done == fs::file_size(path));
    CHECK(writer.write(batch, anchor, nullptr).code() == Code::invalid_argument);
  }
  CHECK(archive::BatchFileWriter::open(path).status().code() == Code::already_exists);
  auto opened = BatchFile::open(path);
  REQUIRE(opened.ok());
  CHECK(opened->check().ok());
  check_matches(batch, anchor, *opened);
  CHECK(BatchFile::load(path).value().size_bytes() == opened->size_bytes());

  // A file that appears between open and write is not replaced.
  const auto raced = folder / "raced.batch";
  auto writer = archive::BatchFileWriter::open(raced).value();
  std::ofstream(raced) << "someone else's file";
  CHECK(writer.write(batch, anchor, nullptr).code() == Code::already_exists);
  { auto abandoned = archive::BatchFileWriter::open(folder / "abandoned.batch").value(); }
  size_t entries = 0;
  for (const auto& entry : fs::recursive_directory_iterator(folder))
    if (entry.is_regular_file()) ++entries;
  CHECK(entries == 2);  // the batch file and the raced file: no temporary file is left
  std::ifstream kept(raced);
  std::string text;
  std::getline(kept, text);
  CHECK(text == "someone else's file");
  fs::remove_all(folder);
}

TEST_CASE("export writes every proof file; the names file refuses names that leave the folder") {
  const auto folder = temporary_folder("names");
  auto batch = first_batch(5);
  auto anchor = test_anchor(batch, false);
  auto file = from_bytes(encode(batch, anchor));
  const std::vector<std::string> names{"a.txt", "sub/b.txt", "c.txt", "sub/deeper/d.txt", "e e.txt"};
  const auto names_path = archive::names_file_path(folder / "x.batch");
  CHECK(names_path.filename() == "x.batch.names");
  REQUIRE(archive::write_names_file(names_path, batch.batch_id, 5, names).ok());
  CHECK(archive::write_names_file(names_path, batch.batch_id, 5, names).code() == Code::already_exists);
  CHECK(archive::read_names_file(names_path, file.header()).value() == names);
  const std::string text = archive::names_file_text(batch.batch_id, 5, names).value();
  CHECK(archive::parse_names_file(text, file.header()).value() == names);
  CHECK(archive::parse_names_file(text + "extra\n", file.header()).status().code() == Code::malformed);
  CHECK(archive::names_file_text(batch.batch_id, 5, {"a", "b", "../c", "d", "e"}).status().code() ==
        Code::invalid_argument);
  CHECK(archive::names_file_text(batch.batch_id, 5, {"a", "b", "a", "d", "e"}).status().code() ==
        Code::invalid_argument);
  CHECK(archive::write_names_file(folder / "n2", batch.batch_id, 5, {"a", "b\nc", "d", "e", "f"}).code() ==
        Code::invalid_argument);

  for (const std::string& hostile :
       std::vector<std::string>{"../escape.txt", "/etc/passwd", "sub/../../x", std::string("nul\0x", 5), ""}) {
    std::ofstream out(folder / "hostile.names", std::ios::trunc | std::ios::binary);
    out << "govchain-archive-names 1 " << batch.batch_id.hex() << " 5\na\nb\nc\nd\n" << hostile << "\n";
    out.close();
    CHECK(archive::read_names_file(folder / "hostile.names", file.header()).status().code() == Code::malformed);
  }
  {
    std::ofstream out(folder / "other.names", std::ios::trunc);
    out << "govchain-archive-names 1 " << govchain::Hash().hex() << " 5\na\nb\nc\nd\ne\n";
  }
  CHECK(archive::read_names_file(folder / "other.names", file.header()).status().code() == Code::malformed);

  std::vector<fs::path> paths;
  for (const auto& name : names) paths.push_back(folder / "proofs" / (name + ".proof.json"));
  paths[2].clear();  // skipped
  for (const auto& path : paths)
    if (!path.empty()) fs::create_directories(path.parent_path());
  REQUIRE(archive::write_proof_files(file, paths, 2, nullptr).ok());
  CHECK_FALSE(fs::exists(folder / "proofs" / "c.txt.proof.json"));
  auto read = archive::read_proof_file(paths[3]).value();
  CHECK(archive::canonical_proof_bytes(read) == archive::canonical_proof_bytes(file.proof(3).value()));
  CHECK(archive::write_proof_files(file, paths, 2, nullptr).code() == Code::already_exists);
  fs::remove_all(folder);
}

TEST_CASE("every truncation and extension is refused with a reason") {
  auto batch = first_batch(5);
  const Bytes bytes = encode(batch, test_anchor(batch, true));
  for (size_t length = 0; length < bytes.size(); ++length) {
    auto file = BatchFile::from_bytes(Bytes(bytes.begin(), bytes.begin() + length));
    REQUIRE_FALSE(file.ok());
    CHECK(file.status().code() == Code::malformed);
    CHECK(file.status().message().starts_with("batch file: "));
  }
  Bytes extended = bytes;
  extended.push_back(0);
  auto file = BatchFile::from_bytes(extended);
  CHECK(file.status().code() == Code::malformed);
  CHECK(file.status().message().find("truncated or extended") != std::string::npos);
  Bytes other_version = bytes;
  other_version[archive::batch_magic.size()] = 2;
  CHECK(BatchFile::from_bytes(other_version).status().message().find("version 2") != std::string::npos);
  CHECK(BatchFile::from_bytes(govchain::to_bytes("{\"format\": \"govchain-archive-proof\"}")).status().code() ==
        Code::malformed);
}

TEST_CASE("a flipped byte in any section is found by check(); wrong offsets on opening") {
  auto batch = first_batch(13);
  const Bytes bytes = encode(batch, test_anchor(batch, false));
  const auto file = from_bytes(bytes);
  const size_t sections = 2 + archive::level_widths(13).size() - 1;
  const size_t table = table_offset(bytes, sections);
  const size_t first_section = table + 16 * sections;
  REQUIRE(first_section < bytes.size());
  for (size_t position = first_section; position < bytes.size(); ++position) {
    Bytes flipped = bytes;
    flipped[position] ^= 0x01;
    auto damaged = BatchFile::from_bytes(flipped);
    if (damaged.ok()) {
      Status checked = damaged->check();
      CHECK_MESSAGE(checked.code() == Code::malformed, "byte " << position);
    }
  }
  for (size_t position = table; position < first_section; ++position) {
    Bytes flipped = bytes;
    flipped[position] ^= 0x10;
    CHECK_MESSAGE(BatchFile::from_bytes(flipped).status().code() == Code::malformed, "table byte " << position);
  }
  Bytes moved = bytes;
  put_u64(moved, table + 16, 1);  // the index "at offset 1"
  auto refused = BatchFile::from_bytes(moved);
  CHECK(refused.status().message().find("wrong offsets") != std::string::npos);
  Bytes huge = bytes;
  put_u64(huge, table + 8, ~0ULL);  // the documents "are 2^64 - 1 bytes"
  CHECK(BatchFile::from_bytes(huge).status().code() == Code::malformed);
}

TEST_CASE("an altered index: check() says so, find() cannot be led to a wrong leaf, scan() finds the document") {
  auto batch = first_batch(50);
  const Bytes bytes = encode(batch, test_anchor(batch, false));
  const size_t sections = 2 + archive::level_widths(50).size() - 1;
  const size_t index_offset = table_offset(bytes, sections) + 16 * sections + 50 * 32;
  // Swap two index entries: each still names a leaf, but the order breaks.
  Bytes swapped = bytes;
  std::swap_ranges(swapped.begin() + index_offset, swapped.begin() + index_offset + 4,
                   swapped.begin() + index_offset + 100);
  auto file = from_bytes(swapped);
  Status checked = file.check();
  CHECK(checked.code() == Code::malformed);
  CHECK(checked.message().find("index") != std::string::npos);
  for (uint64_t leaf = 0; leaf < 50; ++leaf) {
    auto found = file.find(batch.document_hashes[leaf]);
    REQUIRE(found.ok());
    for (uint64_t candidate : *found) CHECK(candidate == leaf);  // never another document's leaf
    CHECK(file.scan(batch.document_hashes[leaf]).value() == std::optional<uint64_t>(leaf));
  }
  // An entry outside the batch.
  Bytes outside = bytes;
  for (int byte = 0; byte < 4; ++byte) outside[index_offset + 4 * 25 + byte] = 0xff;
  auto out_file = from_bytes(outside);
  CHECK(out_file.check().code() == Code::malformed);
  bool refused_somewhere = false;
  for (uint64_t leaf = 0; leaf < 50; ++leaf) {
    auto found = out_file.find(batch.document_hashes[leaf]);
    if (!found.ok()) {
      CHECK(found.status().code() == Code::malformed);
      refused_somewhere = true;
    }
  }
  CHECK(refused_somewhere);
}

TEST_CASE("a renewal's altered evidence hash or leaf mapping is found") {
  auto first = first_batch(4);
  auto first_file = std::make_shared<const BatchFile>(from_bytes(encode(first, test_anchor(first, false))));
  auto renewal = archive::prepare_renewal(HashAlgorithm::sha3_256, document_hashes(HashAlgorithm::sha3_256, 4),
                                          first_file, {0, 1, 2, 3}, 0)
                     .value();
  auto anchor = test_anchor(renewal, false);
  const Bytes bytes = encode(renewal, anchor);
  auto file = from_bytes(bytes);
  REQUIRE(file.check().ok());
  // The evidence section follows the levels: find it by its contents.
  const auto evidence = renewal.evidence_hashes.front();
  auto at = std::search(bytes.begin(), bytes.end(), evidence.data.begin(), evidence.data.end()) - bytes.begin();
  Bytes altered = bytes;
  altered[at] ^= 1;
  auto damaged = from_bytes(altered);
  CHECK(damaged.check().code() == Code::malformed);
  auto proof = damaged.proof(0).value();
  archive::DocumentDigests digests{{HashAlgorithm::sha256, document_hash(HashAlgorithm::sha256, 0)},
                                   {HashAlgorithm::sha3_256, document_hash(HashAlgorithm::sha3_256, 0)}};
  CHECK(archive::check_proof_offline(proof, digests).verdict == archive::Verdict::proof_tampered);
  // The leaf mapping (after the evidence): leaf 0 "renews leaf 1" too.
  Bytes remapped = bytes;
  remapped[at + 4 * 32 + 3] = 1;
  CHECK(from_bytes(remapped).check().code() == Code::malformed);
  Bytes outside = bytes;
  outside[at + 4 * 32 + 3] = 9;
  CHECK(from_bytes(outside).proof(0).status().code() == Code::malformed);
}
