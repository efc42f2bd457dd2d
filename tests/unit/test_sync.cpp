#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <set>

#include "chain/block.h"
#include "consensus/certificate.h"
#include "consensus/messages.h"
#include "core/limits.h"
#include "crypto/hash.h"
#include "sync/block_server.h"
#include "sync/catch_up.h"
#include "sync/protocol.h"

using namespace govchain;

namespace {

constexpr std::string_view chain_id = "govchain-sync-test";

struct Validators {
  std::vector<std::unique_ptr<consensus::Signer>> signers;
  consensus::ValidatorSet set;

  explicit Validators(size_t count) {
    std::vector<PublicKey> keys;
    for (size_t i = 0; i < count; ++i) {
      signers.push_back(
          consensus::make_schnorr_signer(crypto::sha256(to_bytes("sync-validator-" + std::to_string(i)))));
      keys.push_back(signers.back()->public_key());
    }
    set = *consensus::ValidatorSet::create(keys);
  }

  consensus::SignedVote precommit(size_t index, uint64_t height, uint32_t round, const Hash& block_id) const {
    consensus::Vote vote{consensus::VoteType::precommit, height, round, block_id, signers[index]->public_key()};
    return consensus::sign_vote(chain_id, vote, *signers[index]);
  }

  chain::CommitCertificate certificate(size_t signer_count, const chain::Header& header, uint32_t round = 0) const {
    Hash id = chain::block_hash(header);
    std::vector<consensus::SignedVote> votes;
    for (size_t i = 0; i < signer_count; ++i) votes.push_back(precommit(i, header.height, round, id));
    return consensus::make_commit_certificate(header.height, round, id, votes);
  }
};

chain::Header header_at(uint64_t height) {
  chain::Header header;
  header.chain_id = std::string(chain_id);
  header.height = height;
  header.time_ms = 1'700'000'000'000 + static_cast<int64_t>(height);
  return header;
}

PublicKey key_of(uint8_t byte) {
  PublicKey key;
  key.data.fill(byte);
  return key;
}

}  // namespace

// Catch-up hands a peer's certificates to the consensus machine as they
// are: the chain's certificate is the consensus one, checked by the one
// verifier against the block's header hash.
TEST_CASE("a certificate stored with a block is the consensus certificate and verifies against the header") {
  Validators validators(4);
  chain::Header header = header_at(7);
  chain::CommitCertificate commit = validators.certificate(3, header, 1);
  CHECK(commit.signatures.size() == 3);
  auto verify = [&](const chain::Header& of, const chain::CommitCertificate& certificate,
                    const consensus::ValidatorSet& set) {
    return consensus::verify_commit_certificate(certificate, of.chain_id, of.height, chain::block_hash(of), set);
  };
  CHECK(verify(header, commit, validators.set).ok());
  CHECK(*chain::decode_commit(chain::encode_commit(commit)) == commit);

  SUBCASE("too few signers") {
    CHECK(verify(header, validators.certificate(2, header), validators.set).code() == Code::invalid);
  }
  SUBCASE("another block") {
    chain::Header other = header_at(7);
    other.time_ms += 1;
    CHECK_FALSE(verify(other, commit, validators.set).ok());
  }
  SUBCASE("a tampered signature") {
    commit.signatures[1].signature.data[5] ^= 1;
    CHECK(verify(header, commit, validators.set).code() == Code::bad_signature);
  }
  SUBCASE("a repeated signer, even with a quorum besides") {
    commit.signatures.push_back(commit.signatures[0]);
    CHECK(verify(header, commit, validators.set).code() == Code::invalid);
    // ...and such a certificate does not even decode.
    CHECK(chain::decode_commit(chain::encode_commit(commit)).status().code() == Code::malformed);
  }
  SUBCASE("a larger set needs more signers") {
    CHECK(verify(header, commit, Validators(5).set).code() == Code::invalid);
  }
}

TEST_CASE("sync messages round-trip and reject what is not canonical") {
  sync::StatusMessage status{12, crypto::sha256(to_bytes("head"))};
  CHECK(*sync::decode_status(sync::encode_status(status)) == status);
  Bytes trailing = sync::encode_status(status);
  trailing.push_back(0);
  CHECK_FALSE(sync::decode_status(trailing).ok());
  Bytes truncated = sync::encode_status(status);
  truncated.pop_back();
  CHECK_FALSE(sync::decode_status(truncated).ok());

  sync::BlockRequest request{5, 16};
  CHECK(*sync::decode_block_request(sync::encode_block_request(request)) == request);
  CHECK_FALSE(sync::decode_block_request(sync::encode_block_request({5, 0})).ok());
  CHECK_FALSE(sync::decode_block_request(sync::encode_block_request({5, sync::blocks_per_response_max + 1})).ok());

  Validators validators(4);
  chain::Block block;
  block.header = header_at(3);
  sync::BlockResponse response;
  response.blocks.push_back({chain::encode_block(block), validators.certificate(3, block.header)});
  CHECK(*sync::decode_block_response(sync::encode_block_response(response)) == response);
  CHECK(*sync::decode_block_response(sync::encode_block_response({})) == sync::BlockResponse{});
  Bytes bad_version = sync::encode_block_response(response);
  bad_version[0] = 9;
  CHECK(sync::decode_block_response(bad_version).status().code() == Code::malformed);
}

TEST_CASE("transaction batches round-trip and refuse what is empty, too many, too large or not canonical") {
  sync::TxBatch batch;
  batch.txs = {to_bytes("first transaction"), to_bytes("second"), Bytes(1000, 7)};
  Bytes encoded = sync::encode_tx_batch(batch);
  CHECK(*sync::decode_tx_batch(encoded) == batch);

  Bytes trailing = encoded;
  trailing.push_back(0);
  CHECK_FALSE(sync::decode_tx_batch(trailing).ok());
  Bytes truncated = encoded;
  truncated.pop_back();
  CHECK_FALSE(sync::decode_tx_batch(truncated).ok());
  Bytes bad_version = encoded;
  bad_version[0] = 9;
  CHECK(sync::decode_tx_batch(bad_version).status().code() == Code::malformed);

  // An empty batch, hand-made (the encoder refuses to write one).
  Bytes empty{1, 0, 0, 0, 0};
  CHECK(sync::decode_tx_batch(empty).status().code() == Code::invalid);
  // A count above the limit, and a count the remaining bytes cannot hold.
  Bytes too_many{1, 0, 0, 0x04, 0x01};
  CHECK(sync::decode_tx_batch(too_many).status().code() == Code::too_large);
  Bytes overclaimed{1, 0, 0, 0x01, 0x00, 0, 0, 0, 0};
  CHECK(sync::decode_tx_batch(overclaimed).status().code() == Code::malformed);

  sync::TxBatch oversized_entry;
  oversized_entry.txs = {Bytes(limits::tx_size_bytes_max + 1, 1)};
  CHECK_FALSE(sync::decode_tx_batch(sync::encode_tx_batch(oversized_entry)).ok());
  sync::TxBatch oversized_batch;
  oversized_batch.txs.assign(9, Bytes(limits::tx_size_bytes_max, 1));
  CHECK(sync::decode_tx_batch(sync::encode_tx_batch(oversized_batch)).status().code() == Code::too_large);

  sync::TxBatch largest;
  largest.txs.assign(sync::txs_per_batch_max, Bytes(10, 3));
  CHECK(sync::decode_tx_batch(sync::encode_tx_batch(largest))->txs.size() == sync::txs_per_batch_max);
}

TEST_CASE("catch-up asks the peer that is ahead, one request at a time, and moves on after a timeout") {
  sync::CatchUp catch_up(1000);
  CHECK_FALSE(catch_up.next_request(10, 0).has_value());
  catch_up.on_peer_status(key_of(1), {10, {}});
  CHECK_FALSE(catch_up.next_request(10, 0).has_value());  // not behind
  catch_up.on_peer_status(key_of(2), {100, {}});
  auto first = catch_up.next_request(10, 0);
  REQUIRE(first.has_value());
  CHECK(first->peer == key_of(2));
  CHECK(first->request.from_height == 11);
  CHECK(first->request.count == sync::blocks_per_response_max);
  CHECK_FALSE(catch_up.next_request(10, 500).has_value());  // in flight
  catch_up.on_response(key_of(2), 32);
  auto second = catch_up.next_request(42, 600);
  REQUIRE(second.has_value());
  CHECK(second->request.from_height == 43);

  SUBCASE("a silent peer is skipped for that height after the timeout") {
    catch_up.on_peer_status(key_of(3), {50, {}});
    CHECK_FALSE(catch_up.next_request(42, 1500).has_value());  // still waiting for peer 2
    auto retry = catch_up.next_request(42, 1700);
    REQUIRE(retry.has_value());
    CHECK(retry->peer == key_of(3));
    CHECK(retry->request.from_height == 43);
    CHECK(retry->request.count == 8);
  }
  SUBCASE("a peer that answers with nothing is no longer believed") {
    catch_up.on_response(key_of(2), 0);
    CHECK_FALSE(catch_up.behind(42));
  }
  SUBCASE("a gone peer is forgotten") {
    catch_up.on_peer_gone(key_of(2));
    CHECK(catch_up.best_peer_height() == 10);
    CHECK_FALSE(catch_up.next_request(42, 700).has_value());
  }
}

TEST_CASE("catch-up asks only for what the peer has") {
  sync::CatchUp catch_up(1000);
  catch_up.on_peer_status(key_of(7), {13, {}});
  auto request = catch_up.next_request(10, 0);
  REQUIRE(request.has_value());
  CHECK(request->request.from_height == 11);
  CHECK(request->request.count == 3);
}

namespace {

// Committed blocks 1..head of a few hundred bytes each, some unreadable.
struct FakeChain : sync::BlockSource {
  uint64_t head = 0;
  size_t block_size_bytes = 300;
  std::set<uint64_t> unreadable;
  uint64_t head_height() const override { return head; }
  Result<Bytes> encoded_block(uint64_t height) const override {
    if (height == 0 || height > head || unreadable.contains(height)) return error(Code::not_found, "no such block");
    return Bytes(block_size_bytes, static_cast<uint8_t>(height));
  }
  Result<chain::CommitCertificate> commit(uint64_t height) const override {
    if (height == 0 || height > head) return error(Code::not_found, "no such certificate");
    chain::CommitCertificate certificate;
    certificate.height = height;
    return certificate;
  }
};

std::vector<uint64_t> heights_of(const sync::BlockResponse& response) {
  std::vector<uint64_t> heights;
  for (const auto& entry : response.blocks) heights.push_back(entry.commit.height);
  return heights;
}

}  // namespace

TEST_CASE("catch-up serving answers consecutive committed blocks up to the head, never the genesis") {
  FakeChain chain;
  chain.head = 10;
  CHECK(heights_of(sync::answer_block_request({3, 4}, chain)) == std::vector<uint64_t>{3, 4, 5, 6});
  CHECK(heights_of(sync::answer_block_request({8, 32}, chain)) == std::vector<uint64_t>{8, 9, 10});
  CHECK(heights_of(sync::answer_block_request({0, 2}, chain)) == std::vector<uint64_t>{1, 2});
  CHECK(sync::answer_block_request({11, 5}, chain).blocks.empty());
  // Heights near the top of the range do not wrap around.
  CHECK(sync::answer_block_request({UINT64_MAX - 1, 32}, chain).blocks.empty());
  chain.head = UINT64_MAX;
  CHECK(heights_of(sync::answer_block_request({UINT64_MAX - 1, 32}, chain)) ==
        std::vector<uint64_t>{UINT64_MAX - 1, UINT64_MAX});
  chain.head = 10;
  chain.unreadable = {5};
  CHECK(heights_of(sync::answer_block_request({3, 4}, chain)) == std::vector<uint64_t>{3, 4});
  // Every answer decodes at the other end.
  auto answer = sync::answer_block_request({1, 3}, chain);
  CHECK(*sync::decode_block_response(sync::encode_block_response(answer)) == answer);
}

TEST_CASE("catch-up serving keeps an answer under its size bound but always sends one block") {
  FakeChain chain;
  chain.head = 40;
  chain.block_size_bytes = sync::block_response_size_bytes_max / 3;
  CHECK(sync::answer_block_request({1, 32}, chain).blocks.size() == 3);
  chain.block_size_bytes = sync::block_response_size_bytes_max + 1;
  CHECK(sync::answer_block_request({1, 32}, chain).blocks.size() == 1);
}

TEST_CASE("state sync messages round-trip and their decoders keep the bounds") {
  Validators validators(4);
  SUBCASE("snapshot request and offer") {
    sync::SnapshotRequest request{1234};
    CHECK(*sync::decode_snapshot_request(sync::encode_snapshot_request(request)) == request);
    sync::SnapshotOffer offer{77, crypto::sha256(to_bytes("block")), validators.set};
    CHECK(*sync::decode_snapshot_offer(sync::encode_snapshot_offer(offer)) == offer);
    sync::SnapshotOffer none;
    Bytes encoded = sync::encode_snapshot_offer(none);
    CHECK(*sync::decode_snapshot_offer(encoded) == none);
    encoded.push_back(0);
    CHECK(!sync::decode_snapshot_offer(encoded).ok());
  }
  SUBCASE("state request: 1 to state_records_per_request_max records of a known kind") {
    sync::StateRequest request{9, {}};
    for (uint32_t i = 0; i < sync::state_records_per_request_max; ++i)
      request.records.push_back(
          {i % 2 ? state::RecordKind::leaf : state::RecordKind::page, crypto::sha256(to_bytes(std::to_string(i)))});
    CHECK(*sync::decode_state_request(sync::encode_state_request(request)) == request);
    request.records.push_back({state::RecordKind::page, Hash{}});
    CHECK(!sync::decode_state_request(sync::encode_state_request(request)).ok());
    CHECK(sync::decode_state_request(sync::encode_state_request({9, {}})).status().code() == Code::invalid);
    Bytes unknown_kind = sync::encode_state_request({9, {{state::RecordKind::page, Hash{}}}});
    unknown_kind[1 + 8 + 4] = 3;
    CHECK(sync::decode_state_request(unknown_kind).status().code() == Code::invalid);
  }
  SUBCASE("state response: present and absent records, bounded in count and size") {
    sync::StateResponse response;
    response.records.emplace_back(to_bytes("a page record"));
    response.records.emplace_back();
    CHECK(*sync::decode_state_response(sync::encode_state_response(response)) == response);
    sync::StateResponse oversized_record;
    oversized_record.records.emplace_back(Bytes(state::state_record_size_bytes_max() + 1, 1));
    CHECK(!sync::decode_state_response(sync::encode_state_response(oversized_record)).ok());
    sync::StateResponse too_many;
    too_many.records.resize(sync::state_records_per_request_max + 1);
    CHECK(!sync::decode_state_response(sync::encode_state_response(too_many)).ok());
    Bytes too_large(sync::state_response_size_bytes_max + 1, 0);
    CHECK(sync::decode_state_response(too_large).status().code() == Code::too_large);
  }
}
