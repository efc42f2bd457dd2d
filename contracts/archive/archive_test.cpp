// Native tests of the archive contract.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "govchain/test_support.h"

namespace archive {
void anchor();
void certificate();
void verify();
void verify_root();
void batch();
void evidence_chain();
}  // namespace archive

using namespace test;
using govchain::mock::CallResult;
using govchain::mock::Host;
using govchain::mock::key_pair;
using govchain::mock::KeyPair;

namespace {

ByteString root_of(const std::string& label, size_t size = 32) {
  auto digest = govchain::mock::sha256(reinterpret_cast<const uint8_t*>(label.data()), label.size());
  ByteString root(digest.begin(), digest.end());
  while (root.size() < size) root.insert(root.end(), digest.begin(), digest.end());
  root.resize(size);
  return root;
}

struct Fixture {
  Host host;
  KeyPair archivist = key_pair("archive-aachen");
  KeyPair other_archivist = key_pair("archive-koeln");

  Fixture() {
    host.grant(archivist.public_key, "aachen", "archive");
    host.grant(other_archivist.public_key, "koeln", "archive");
  }
  CallResult anchor(const KeyPair& who, const std::string& municipality, const Hash& batch_id,
                    const std::string& algorithm, const ByteString& root, const Hash& previous = Hash()) {
    return host.call("archive", &archive::anchor, who.public_key,
                     Args()
                         .hash(batch_id)
                         .text(municipality)
                         .text(algorithm)
                         .bytes(root)
                         .u64(120000)
                         .text("Bestand 2021 Bauakten")
                         .hash(previous));
  }
  Verdict verify_root(const Hash& batch_id, const std::string& algorithm, const ByteString& root, int64_t at_ms = 0) {
    return read_verdict(
        host.query("archive", &archive::verify_root, Args().hash(batch_id).text(algorithm).bytes(root).i64(at_ms)));
  }
};

}  // namespace

TEST_CASE("the archive anchors a batch root and anyone verifies it") {
  Fixture f;
  int64_t before_ms = f.host.time_ms - 1;
  REQUIRE(f.anchor(f.archivist, "aachen", id("b1"), "sha256", root_of("batch-1")).ok);
  CHECK(f.verify_root(id("b1"), "sha256", root_of("batch-1")).verdict == "valid");
  CHECK(f.verify_root(id("b1"), "sha256", root_of("batch-2")).verdict == "commitment_mismatch");
  CHECK(f.verify_root(id("b1"), "sha3_256", root_of("batch-1")).verdict == "commitment_mismatch");
  CHECK(f.verify_root(id("b1"), "sha256", root_of("batch-1"), before_ms).verdict == "not_yet_valid");
  CHECK(f.verify_root(id("b9"), "sha256", root_of("batch-1")).verdict == "unknown_id");
  Result batch(f.host.query("archive", &archive::batch, Args().hash(id("b1"))));
  CHECK(batch.text() == "sha256");
  batch.reader().bytes();
  CHECK(batch.u64() == 120000);
  CHECK(batch.text() == "Bestand 2021 Bauakten");
}

TEST_CASE("only the archive role anchors; metadata is checked") {
  Fixture f;
  CHECK(error_of(f.anchor(f.other_archivist, "aachen", id("b1"), "sha256", root_of("x"))).find("role") !=
        std::string::npos);
  CHECK(error_of(f.anchor(f.archivist, "aachen", id("b1"), "SHA-256", root_of("x"))).find("hash_algorithm") !=
        std::string::npos);
  CHECK(error_of(f.anchor(f.archivist, "aachen", id("b1"), "sha256", root_of("x", 8))).find("root") !=
        std::string::npos);
}

TEST_CASE("re-anchoring under a newer algorithm chains the earlier evidence") {
  Fixture f;
  REQUIRE(f.anchor(f.archivist, "aachen", id("b1"), "sha1", root_of("old", 20)).ok);
  f.host.next_block(365 * day_ms);
  CHECK(error_of(f.anchor(f.other_archivist, "koeln", id("b2"), "sha512", root_of("new", 64), id("b1")))
            .find("another municipality") != std::string::npos);
  REQUIRE(f.anchor(f.archivist, "aachen", id("b2"), "sha512", root_of("new", 64), id("b1")).ok);
  CHECK(error_of(f.anchor(f.archivist, "aachen", id("b3"), "sha512", root_of("newer", 64), id("b1")))
            .find("already re-anchored") != std::string::npos);
  f.host.next_block();
  REQUIRE(f.anchor(f.archivist, "aachen", id("b3"), "sha3_512", root_of("newest", 64), id("b2")).ok);

  Result chain(f.host.query("archive", &archive::evidence_chain, Args().hash(id("b3"))));
  REQUIRE(chain.count() == 3);
  CHECK(chain.hash() == id("b3"));
  CHECK(chain.text() == "sha3_512");
  chain.reader().bytes();
  chain.u64();
  chain.i64();
  CHECK(chain.hash() == id("b2"));
  chain.text();
  chain.reader().bytes();
  chain.u64();
  chain.i64();
  CHECK(chain.hash() == id("b1"));
  CHECK(chain.text() == "sha1");

  // The old evidence stays verifiable; its record notes the re-anchoring.
  CHECK(f.verify_root(id("b1"), "sha1", root_of("old", 20)).verdict == "valid");
  Result reader(f.host.query("archive", &archive::certificate, Args().hash(id("b1"))));
  govchain::cert::Certificate record;
  govchain::decode(reader.reader(), record);
  REQUIRE(record.history.size == 2);
  CHECK(record.history[1].reason == "reanchored");
  Result batch(f.host.query("archive", &archive::batch, Args().hash(id("b1"))));
  batch.text();
  batch.reader().bytes();
  batch.u64();
  batch.text();
  CHECK(batch.hash() == Hash());
  CHECK(batch.hash() == id("b2"));
}
