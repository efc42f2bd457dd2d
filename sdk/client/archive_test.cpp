// Unit tests of sdk/client/archive.h: hash algorithms, the Merkle tree (1, 2,
// 3, 1000 leaves and every count up to 70 against the RFC 6962 recursion),
// proofs (verify, tampered leaf / sibling / root / renewal), the proof file
// format and re-anchoring. No node: on-chain checks are in integration.archive.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "client/archive.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "crypto/hash.h"

namespace archive = govchain::client::archive;
using archive::Digest;
using archive::HashAlgorithm;
using govchain::ByteView;

namespace {

Digest document_hash(uint64_t number) {
  std::string text = "document " + std::to_string(number);
  return archive::hash_bytes(HashAlgorithm::sha256, govchain::to_bytes(text));
}

std::vector<Digest> document_hashes(uint64_t count) {
  std::vector<Digest> hashes;
  for (uint64_t number = 0; number < count; ++number) hashes.push_back(document_hash(number));
  return hashes;
}

// RFC 6962 section 2.1: MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])), k the
// largest power of two below n; written independently of MerkleTree.
Digest recursive_root(HashAlgorithm algorithm, const std::vector<Digest>& leaves, size_t begin, size_t end) {
  if (end - begin == 1) return leaves[begin];
  size_t split = 1;
  while (split * 2 < end - begin) split *= 2;
  return archive::node_digest(algorithm, recursive_root(algorithm, leaves, begin, begin + split),
                              recursive_root(algorithm, leaves, begin + split, end));
}

archive::AnchorRecord test_anchor(const archive::PreparedBatch& batch) {
  archive::AnchorRecord anchor;
  anchor.chain_id = "govchain-test";
  anchor.batch_id = batch.batch_id;
  anchor.tx_hash = document_hash(999999);
  anchor.height = 7;
  anchor.time_ms = 1767225600000;
  return anchor;
}

archive::DocumentDigests digests_of(uint64_t number) { return {{HashAlgorithm::sha256, document_hash(number)}}; }

}  // namespace

TEST_CASE("hash algorithms match their published test vectors") {
  auto abc = govchain::to_bytes("abc");
  CHECK(archive::hash_bytes(HashAlgorithm::sha256, abc).hex() ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(archive::hash_bytes(HashAlgorithm::sha3_256, abc).hex() ==
        "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  CHECK(archive::hash_bytes(HashAlgorithm::sha512_256, abc).hex() ==
        "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
  CHECK(archive::tagged_digest(HashAlgorithm::sha256, archive::tags::leaf, abc) ==
        govchain::crypto::tagged_hash(archive::tags::leaf, abc));
  archive::DocumentHasher hasher(HashAlgorithm::sha3_256);
  hasher.update(govchain::to_bytes("a"));
  hasher.update(govchain::to_bytes("bc"));
  CHECK(hasher.finish() == archive::hash_bytes(HashAlgorithm::sha3_256, abc));
  CHECK(archive::algorithm_from_name("sha3_256").value() == HashAlgorithm::sha3_256);
  CHECK_FALSE(archive::algorithm_from_name("md5").ok());
}

TEST_CASE("leaf and node tags separate a leaf from an inner node") {
  Digest left = document_hash(1), right = document_hash(2);
  govchain::Bytes joined = left.bytes();
  joined.insert(joined.end(), right.data.begin(), right.data.end());
  CHECK(archive::node_digest(HashAlgorithm::sha256, left, right) !=
        archive::tagged_digest(HashAlgorithm::sha256, archive::tags::leaf, joined));
  CHECK(archive::leaf_digest(HashAlgorithm::sha256, left) != left);
}

TEST_CASE("a tree of one leaf has the leaf as root and an empty path") {
  auto tree = archive::MerkleTree::build(HashAlgorithm::sha256, {document_hash(0)});
  REQUIRE(tree.ok());
  CHECK(tree->root() == document_hash(0));
  CHECK(tree->path(0).empty());
  CHECK(archive::expected_sides(0, 1).value().empty());
  CHECK_FALSE(archive::MerkleTree::build(HashAlgorithm::sha256, {}).ok());
}

TEST_CASE("trees of 2 and 3 leaves follow the documented rule") {
  auto leaves = document_hashes(3);
  auto two = archive::MerkleTree::build(HashAlgorithm::sha256, {leaves[0], leaves[1]});
  REQUIRE(two.ok());
  CHECK(two->root() == archive::node_digest(HashAlgorithm::sha256, leaves[0], leaves[1]));
  auto three = archive::MerkleTree::build(HashAlgorithm::sha256, leaves);
  REQUIRE(three.ok());
  Digest expected = archive::node_digest(HashAlgorithm::sha256,
                                         archive::node_digest(HashAlgorithm::sha256, leaves[0], leaves[1]), leaves[2]);
  CHECK(three->root() == expected);
  auto path = three->path(2);  // the odd leaf is promoted: one step only
  REQUIRE(path.size() == 1);
  CHECK(path[0].side == archive::Side::left);
}

TEST_CASE("every count up to 70 and 1000 leaves: root as RFC 6962, every path leads to it") {
  for (HashAlgorithm algorithm : {HashAlgorithm::sha256, HashAlgorithm::sha3_256}) {
    for (uint64_t count : {1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 70, 1000}) {
      auto leaves = document_hashes(count);
      auto tree = archive::MerkleTree::build(algorithm, leaves);
      REQUIRE(tree.ok());
      CHECK(tree->root() == recursive_root(algorithm, leaves, 0, leaves.size()));
      for (uint64_t index = 0; index < count; ++index) {
        auto path = tree->path(index);
        auto sides = archive::expected_sides(index, count);
        REQUIRE(sides.ok());
        REQUIRE(sides->size() == path.size());
        for (size_t step = 0; step < path.size(); ++step) CHECK((*sides)[step] == path[step].side);
        CHECK(archive::root_from_path(algorithm, leaves[index], path) == tree->root());
      }
    }
  }
  CHECK_FALSE(archive::expected_sides(5, 5).ok());
}

TEST_CASE("proofs verify offline; a tampered leaf, sibling, root or index fails") {
  auto batch = archive::prepare_batch(HashAlgorithm::sha256, document_hashes(1000), {});
  REQUIRE(batch.ok());
  auto anchor = test_anchor(*batch);
  for (uint64_t index : {0, 1, 499, 998, 999}) {
    auto proof = archive::make_proof(*batch, anchor, index).value();
    CHECK(archive::check_proof_offline(proof, digests_of(index)).valid());
    CHECK(archive::check_proof_offline(proof, digests_of(index + 1)).verdict == archive::Verdict::document_altered);
    auto tampered_leaf = proof;
    tampered_leaf.document_hash.data[0] ^= 1;
    CHECK(archive::check_proof_offline(tampered_leaf, digests_of(index)).verdict == archive::Verdict::proof_tampered);
    auto tampered_sibling = proof;
    tampered_sibling.path[3].sibling.data[31] ^= 0x80;
    CHECK(archive::check_proof_offline(tampered_sibling, digests_of(index)).verdict ==
          archive::Verdict::proof_tampered);
    auto tampered_root = proof;
    tampered_root.root.data[5] ^= 4;
    CHECK(archive::check_proof_offline(tampered_root, digests_of(index)).verdict == archive::Verdict::proof_tampered);
    auto tampered_side = proof;
    tampered_side.path[0].side =
        tampered_side.path[0].side == archive::Side::left ? archive::Side::right : archive::Side::left;
    CHECK(archive::check_proof_offline(tampered_side, digests_of(index)).verdict == archive::Verdict::proof_tampered);
    auto tampered_index = proof;
    tampered_index.leaf_index = (index + 2) % 1000;
    CHECK(archive::check_proof_offline(tampered_index, digests_of(index)).verdict == archive::Verdict::proof_tampered);
  }
}

TEST_CASE("odd counts: the promoted last leaf proves with a shorter path") {
  for (uint64_t count : {3, 5, 7, 999, 1001}) {
    auto batch = archive::prepare_batch(HashAlgorithm::sha256, document_hashes(count), {});
    REQUIRE(batch.ok());
    auto proof = archive::make_proof(*batch, test_anchor(*batch), count - 1).value();
    CHECK(proof.path.size() < archive::make_proof(*batch, test_anchor(*batch), 0).value().path.size());
    CHECK(archive::check_proof_offline(proof, digests_of(count - 1)).valid());
  }
}

TEST_CASE("proof JSON round-trips and refuses malformed input") {
  auto batch = archive::prepare_batch(HashAlgorithm::sha256, document_hashes(5), {});
  REQUIRE(batch.ok());
  auto proof = archive::make_proof(*batch, test_anchor(*batch), 4).value();
  auto parsed = archive::proof_from_json(archive::proof_to_json(proof));
  REQUIRE(parsed.ok());
  CHECK(archive::canonical_proof_bytes(*parsed) == archive::canonical_proof_bytes(proof));
  CHECK(archive::proof_to_json(*parsed) == archive::proof_to_json(proof));
  CHECK_FALSE(archive::proof_from_json("{").ok());
  CHECK_FALSE(archive::proof_from_json("[]").ok());
  std::string text = archive::proof_to_json(proof);
  text.replace(text.find("sha256"), 6, "md5xxx");
  CHECK_FALSE(archive::proof_from_json(text).ok());

  auto directory = std::filesystem::temp_directory_path() / ("archive_test_" + batch->batch_id.hex());
  std::filesystem::create_directories(directory);
  CHECK(archive::write_proof_file(directory / "a.proof.json", proof).ok());
  CHECK(archive::write_proof_file(directory / "a.proof.json", proof).code() == govchain::Code::already_exists);
  CHECK(archive::read_proof_file(directory / "a.proof.json").ok());
  std::filesystem::remove_all(directory);
}

TEST_CASE("re-anchoring under SHA3-256 chains the earlier proof") {
  auto first = archive::prepare_batch(HashAlgorithm::sha256, document_hashes(6), {});
  REQUIRE(first.ok());
  std::vector<std::shared_ptr<const archive::Proof>> earlier;
  for (uint64_t index = 0; index < 6; ++index)
    earlier.push_back(
        std::make_shared<archive::Proof>(archive::make_proof(*first, test_anchor(*first), index).value()));
  std::vector<Digest> new_hashes;
  for (uint64_t index = 0; index < 6; ++index)
    new_hashes.push_back(
        archive::hash_bytes(HashAlgorithm::sha3_256, govchain::to_bytes("document " + std::to_string(index))));
  auto renewal = archive::prepare_batch(HashAlgorithm::sha3_256, new_hashes, earlier);
  REQUIRE(renewal.ok());
  auto proof = archive::make_proof(*renewal, test_anchor(*renewal), 3).value();
  archive::DocumentDigests digests = {{HashAlgorithm::sha256, document_hash(3)},
                                      {HashAlgorithm::sha3_256, new_hashes[3]}};
  CHECK(archive::algorithms_of(proof).size() == 2);
  auto verification = archive::check_proof_offline(proof, digests);
  CHECK(verification.valid());
  CHECK(verification.steps.size() == 2);
  auto round_trip = archive::proof_from_json(archive::proof_to_json(proof));
  REQUIRE(round_trip.ok());
  CHECK(archive::check_proof_offline(*round_trip, digests).valid());

  auto changed_earlier = std::make_shared<archive::Proof>(*proof.previous);
  changed_earlier->anchor_height += 1;
  auto tampered = proof;
  tampered.previous = changed_earlier;
  CHECK(archive::check_proof_offline(tampered, digests).verdict == archive::Verdict::proof_tampered);
  digests[HashAlgorithm::sha256] = document_hash(4);
  CHECK(archive::check_proof_offline(proof, digests).verdict == archive::Verdict::document_altered);

  earlier.pop_back();
  CHECK_FALSE(archive::prepare_batch(HashAlgorithm::sha3_256,
                                     std::vector<Digest>(new_hashes.begin(), new_hashes.end() - 1), earlier)
                  .ok());
}

TEST_CASE("hash lists and files") {
  auto list =
      archive::parse_hash_list("# export\n" + document_hash(1).hex() + "\n\n" + document_hash(2).hex() + "\r\n");
  REQUIRE(list.ok());
  CHECK(list->size() == 2);
  CHECK_FALSE(archive::parse_hash_list("xyz\n").ok());
  CHECK_FALSE(archive::parse_hash_list("\n# nothing\n").ok());

  auto path = std::filesystem::temp_directory_path() / "archive_test_document.txt";
  std::string content(200000, 'x');
  std::ofstream(path, std::ios::binary) << content;
  auto digests = archive::hash_file(path, {HashAlgorithm::sha256, HashAlgorithm::sha512_256});
  REQUIRE(digests.ok());
  CHECK((*digests)[0] == archive::hash_bytes(HashAlgorithm::sha256, govchain::to_bytes(content)));
  CHECK((*digests)[1] == archive::hash_bytes(HashAlgorithm::sha512_256, govchain::to_bytes(content)));
  auto many = archive::hash_files({path, path, path}, {HashAlgorithm::sha256}, 2, nullptr);
  REQUIRE(many.ok());
  CHECK((*many)[2][0] == (*digests)[0]);
  std::filesystem::remove(path);
  CHECK_FALSE(archive::hash_file(path, {HashAlgorithm::sha256}).ok());
}
