// Native tests of the contract SDK itself: the codec against the node's
// canonical encoding, storage maps, input checks and the certificate
// lifecycle with its verification order.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "govchain/test_support.h"

using namespace test;
using namespace govchain;
using govchain::mock::CallResult;
using govchain::mock::Host;
using govchain::mock::key_pair;

namespace {

ByteString to_vector(Bytes bytes) { return ByteString(bytes.begin(), bytes.end()); }

// Runs `body` as a contract call, so that aborts are reported as results.
template <typename Body>
CallResult run(Host& host, const PublicKey& caller, Body body) {
  static Body* current = nullptr;
  current = &body;
  return host.call("sdk", [] { (*current)(); }, caller, {});
}

}  // namespace

TEST_CASE("the writer produces the node's canonical encoding") {
  Writer writer;
  writer.u8(1);
  writer.u32(0x01020304);
  writer.u64(0x0102030405060708ULL);
  writer.i64(-2);
  writer.boolean(true);
  writer.text("ab");
  writer.count(0);
  ByteString expected = {1,    1,    2,    3,    4,    1, 2, 3, 4, 5, 6,   7,   8, 0xff, 0xff, 0xff,
                         0xff, 0xff, 0xff, 0xff, 0xfe, 1, 0, 0, 0, 2, 'a', 'b', 0, 0,    0,    0};
  CHECK(to_vector(writer.data()) == expected);

  Reader reader(writer.data());
  CHECK(reader.u8() == 1);
  CHECK(reader.u32() == 0x01020304);
  CHECK(reader.u64() == 0x0102030405060708ULL);
  CHECK(reader.i64() == -2);
  CHECK(reader.boolean());
  CHECK(reader.text() == "ab");
  CHECK(reader.count() == 0);
  reader.finish();
}

TEST_CASE("the reader refuses everything but the one encoding") {
  Host host;
  const uint8_t bad_bool[] = {2};
  const uint8_t short_input[] = {0, 0, 0, 9, 'a'};
  const uint8_t trailing[] = {1, 0};
  const uint8_t huge_count[] = {0xff, 0xff, 0xff, 0xff};
  auto error = [&](auto body) { return run(host, PublicKey(), body).error; };
  CHECK(error([&] { Reader(Bytes(bad_bool, 1)).boolean(); }) == "malformed input: bool must be 0 or 1");
  CHECK(error([&] { Reader(Bytes(short_input, 5)).text(); }) == "malformed input: too short");
  CHECK(error([&] {
          Reader reader(Bytes(trailing, 2));
          reader.boolean();
          reader.finish();
        }) == "malformed input: trailing bytes");
  CHECK(error([&] { Reader(Bytes(huge_count, 4)).count(); }) == "malformed input: list count beyond input");
}

TEST_CASE("vectors and maps round-trip through storage, also values larger than the first read") {
  Host host;
  auto result = run(host, PublicKey(), [] {
    Map<Hash, Vector<String>> lists("list/");
    Vector<String> values;
    values.push_back("first");
    uint8_t* big = allocate<uint8_t>(3000);
    for (uint32_t i = 0; i < 3000; ++i) big[i] = uint8_t(i);
    values.push_back(Bytes(big, 3000));
    Hash key;
    key.bytes[0] = 7;
    lists.set(key, values);
    Vector<String> read = lists.at(key, "missing");
    require(read.size == 2 && read[0] == "first" && read[1] == Bytes(big, 3000), "round trip failed");
    require(!lists.has(Hash()), "unexpected key");
    lists.remove(key);
    require(!lists.has(key), "remove failed");
  });
  CHECK_MESSAGE(result.ok, result.error);
}

TEST_CASE("a failed call leaves no writes and no events") {
  Host host;
  auto result = run(host, PublicKey(), [] {
    storage::set("k", "v");
    emit_event("topic", "data");
    fail("stop");
  });
  CHECK(result.error == "stop");
  CHECK(result.events.empty());
  CHECK(host.storage["sdk"].empty());
}

TEST_CASE("input checks accept codes, names and zone codes only") {
  CHECK(is_zone("AC-ALTSTADT-03"));
  CHECK(is_zone("markt"));
  CHECK(is_zone("Zone_3.Nord"));
  CHECK_FALSE(is_zone("-markt"));
  CHECK_FALSE(is_zone("Markt Platz"));
  CHECK_FALSE(is_zone(""));
  CHECK_FALSE(is_zone("Köln"));
  CHECK_FALSE(is_zone(String("0123456789012345678901234567890123456789012345678901234567890123456789")));
  CHECK(is_code("insurance_lapsed"));
  CHECK_FALSE(is_code(""));
  CHECK_FALSE(is_code("Insurance"));
  CHECK_FALSE(is_code("a b"));
  CHECK_FALSE(is_code("abcdefghijabcdefghijabcdefghijabc"));
  CHECK(is_name("dev-city"));
  CHECK(is_name("zone.3"));
  CHECK_FALSE(is_name("Köln"));
  CHECK(is_date("2026-02-28"));
  CHECK_FALSE(is_date("2026-13-01"));
  CHECK_FALSE(is_date("28.02.2026"));
  CHECK(is_label("Bestand 2021"));
  CHECK_FALSE(is_label("line\nbreak"));
}

TEST_CASE("the mock host's hashes match the published vectors") {
  const char* abc = "abc";
  auto digest = mock::sha256(reinterpret_cast<const uint8_t*>(abc), 3);
  CHECK(digest[0] == 0xba);
  CHECK(digest[1] == 0x78);
  CHECK(digest[31] == 0xad);
}

namespace {

struct Lifecycle {
  Host host;
  mock::KeyPair office = key_pair("office");
  Hash commitment_value = id("commitment");

  Lifecycle() { host.grant(office.public_key, "aachen", "public_order_office"); }

  CallResult issue(int64_t valid_from_ms, int64_t valid_until_ms) {
    Hash commitment_copy = commitment_value;
    return run(host, office.public_key, [=] {
      cert::Issue request;
      request.id = id("c1");
      request.type = "test_certificate";
      request.municipality = "aachen";
      request.commitment = commitment_copy;
      request.valid_from_ms = valid_from_ms;
      request.valid_until_ms = valid_until_ms;
      cert::issue_as_office(request, "public_order_office");
    });
  }
  template <typename Change>
  CallResult change(Change change_function) {
    return run(host, office.public_key, [=] {
      cert::Certificate record = cert::load(id("c1"));
      change_function(record);
    });
  }
  std::string verdict(const Hash& commitment, int64_t at_ms) {
    std::string out;
    auto result = run(host, PublicKey(), [&] {
      cert::Certificate record;
      bool found = cert::find(id("c1"), record);
      String verdict = cert::verify(found ? &record : nullptr, commitment, at_ms).verdict;
      out.assign(verdict.begin(), verdict.end());
    });
    REQUIRE_MESSAGE(result.ok, result.error);
    return out;
  }
};

}  // namespace

TEST_CASE("status transitions are checked") {
  Lifecycle l;
  REQUIRE(l.issue(0, 0).ok);
  CHECK(l.issue(0, 0).error == "certificate id already used");
  CHECK(l.change([](cert::Certificate& r) { cert::reinstate(r, "x"); }).error ==
        "only a suspended certificate can be reinstated");
  CHECK(l.change([](cert::Certificate& r) { cert::suspend(r, "insurance_lapsed"); }).ok);
  CHECK(l.change([](cert::Certificate& r) { cert::consume(r, "used"); }).error ==
        "only an active certificate can be consumed");
  CHECK(l.change([](cert::Certificate& r) { cert::transfer(r, "koeln", "moved"); }).ok);
  CHECK(l.change([](cert::Certificate& r) { cert::transfer(r, "koeln", "moved"); }).error ==
        "certificate already belongs to this municipality");
  CHECK(l.change([](cert::Certificate& r) { cert::revoke(r, "fraud"); }).ok);
  CHECK(l.change([](cert::Certificate& r) { cert::revoke(r, "fraud"); }).error ==
        "only an active or suspended certificate can be revoked");
  CHECK(l.change([](cert::Certificate& r) { cert::note(r, "Free Text"); }).error ==
        "contract bug: a code literal is not 1..32 of [a-z0-9_]");
  CHECK(l.change([](cert::Certificate& r) { cert::note(r, Code()); }).error ==
        "reason must be a code: 1..32 of [a-z0-9_]");
}

TEST_CASE("issuance checks the role, the window and the ids") {
  Lifecycle l;
  l.host.revoke_role(l.office.public_key, "aachen", "public_order_office");
  CHECK(l.issue(0, 0).error == "caller does not hold the required role in this municipality");
  l.host.grant(l.office.public_key, "aachen", "public_order_office");
  CHECK(l.issue(100, 100).error == "valid_until_ms must be 0 (no end) or after valid_from_ms");
  l.commitment_value = Hash();
  CHECK(l.issue(0, 0).error == "commitment must not be zero");
}

TEST_CASE("verification: final statuses first, then the window, then suspension; the past from the history") {
  Lifecycle l;
  int64_t issued_ms = l.host.time_ms;
  REQUIRE(l.issue(issued_ms + 1000, issued_ms + 100'000).ok);
  CHECK(l.verdict(id("other"), issued_ms + 2000) == "commitment_mismatch");
  CHECK(l.verdict(l.commitment_value, issued_ms - 1) == "not_yet_valid");
  CHECK(l.verdict(l.commitment_value, issued_ms + 500) == "not_yet_valid");
  CHECK(l.verdict(l.commitment_value, issued_ms + 2000) == "valid");
  CHECK(l.verdict(l.commitment_value, issued_ms + 100'000) == "expired");
  l.host.next_block(10'000);
  REQUIRE(l.change([](cert::Certificate& r) { cert::suspend(r, "insurance_lapsed"); }).ok);
  CHECK(l.verdict(l.commitment_value, issued_ms + 20'000) == "suspended");
  CHECK(l.verdict(l.commitment_value, issued_ms + 2000) == "valid");
  CHECK(l.verdict(l.commitment_value, issued_ms + 100'000) == "expired");
  l.host.next_block(10'000);
  REQUIRE(l.change([](cert::Certificate& r) { cert::revoke(r, "fraud"); }).ok);
  CHECK(l.verdict(l.commitment_value, issued_ms + 100'000) == "revoked");
  CHECK(l.verdict(l.commitment_value, issued_ms + 15'000) == "suspended");
}

TEST_CASE("the history is bounded") {
  Lifecycle l;
  REQUIRE(l.issue(0, 0).ok);
  for (uint32_t i = 1; i < cert::history_size_max; ++i)
    REQUIRE(l.change([](cert::Certificate& r) { cert::note(r, "checked"); }).ok);
  CHECK(l.change([](cert::Certificate& r) { cert::note(r, "checked"); }).error == "certificate history is full");
}

// A contract declared with the SDK's declarations, to test them.
namespace declared {
using namespace govchain;
GOVCHAIN_CONTRACT("declared", "0.1.0", "", "The SDK's own test of its declarations.");
GOVCHAIN_STRUCT(entry_facts, (code, reason), (zone, zone), (list<code>, tags), (bool, flag), (i64, at_ms));
namespace {
const Map<Hash, entry_facts> entries("entry/");
}
GOVCHAIN_CALL(store, (hash, id), (code, reason), (zone, zone), (list<code>, tags), (bool, flag), (i64, at_ms)) {
  entries.set(id, entry_facts{reason, zone, tags, flag, at_ms});
}
GOVCHAIN_QUERY(read, entry_facts, (hash, id)) { return entries.at(id, "unknown entry"); }
GOVCHAIN_CALL(ping) { debug("ping", uint64_t{7}, "at", block_time_ms()); }
}  // namespace declared

TEST_CASE("declared methods decode their arguments in order, check codes and zones, and refuse trailing bytes") {
  Host host;
  auto caller = key_pair("caller");
  auto store = [&](const std::string& reason, const std::string& zone, std::initializer_list<std::string> tags) {
    return host.call("declared", &declared::store, caller.public_key,
                     test::Args().hash(id("e1")).text(reason).text(zone).texts(tags).boolean(true).i64(-5));
  };
  REQUIRE(store("extended", "AC-ALTSTADT-03", {"a", "b_2"}).ok);
  test::Result read(host.query("declared", &declared::read, test::Args().hash(id("e1"))));
  CHECK(read.text() == "extended");
  CHECK(read.text() == "AC-ALTSTADT-03");
  CHECK(read.count() == 2);
  CHECK(read.text() == "a");
  CHECK(read.text() == "b_2");
  CHECK(read.boolean());
  CHECK(read.i64() == -5);
  read.finish();
  CHECK(store("Erika Mustermann", "markt", {}).error ==
        "argument 'reason' must be a code: 1..32 of [a-z0-9_], no free text");
  CHECK(store("misuse", "Markt Platz 1", {}).error ==
        "argument 'zone' must be a zone code: 1..64 of [A-Za-z0-9._-], starting with a letter or digit");
  CHECK(store("misuse", "markt", {"ok", "Not OK"}).error ==
        "argument 'tags' must be a code: 1..32 of [a-z0-9_], no free text");
  ByteString trailing = test::Args().hash(id("e1")).text("a").text("b").texts({}).boolean(false).i64(0).i64(0);
  CHECK(host.call("declared", &declared::store, caller.public_key, trailing).error ==
        "malformed input: trailing bytes");
  CHECK(host.query("declared", &declared::read, test::Args().hash(id("none"))).error == "unknown entry");
}

TEST_CASE("debug() lines reach the test, also from a call that aborts") {
  Host host;
  auto result = host.call("declared", &declared::ping, key_pair("caller").public_key, {});
  REQUIRE(result.ok);
  REQUIRE(result.debug.size() == 1);
  CHECK(result.debug[0] == "ping 7 at 1767225600000");
}

TEST_CASE("amend_window changes only the future") {
  Lifecycle l;
  const int64_t issued_ms = l.host.time_ms;
  const int64_t day = 86'400'000;
  REQUIRE(l.issue(issued_ms, issued_ms + 10 * day).ok);
  l.host.next_block(5 * day);
  auto amend = [&](int64_t from_ms, int64_t until_ms) {
    return l.change([=](cert::Certificate& r) { cert::amend_window(r, from_ms, until_ms, "amended"); });
  };
  CHECK(amend(issued_ms, issued_ms + 3 * day).error.find("changes only the future") != std::string::npos);
  CHECK(amend(issued_ms + day, issued_ms + 10 * day).error.find("the start can only move") != std::string::npos);
  CHECK(amend(issued_ms, issued_ms + 10 * day).error == "the validity window is unchanged");
  auto extended = amend(issued_ms, issued_ms + 20 * day);
  REQUIRE_MESSAGE(extended.ok, extended.error);
  REQUIRE(extended.events.size() == 1);
  CHECK(extended.events[0].topic == "certificate.amended");
  CHECK(l.verdict(l.commitment_value, issued_ms + 15 * day) == "valid");
  CHECK(l.verdict(l.commitment_value, issued_ms + day) == "valid");
  CHECK(l.verdict(l.commitment_value, issued_ms + 20 * day) == "expired");
  auto ended_now = amend(issued_ms, l.host.time_ms);
  REQUIRE_MESSAGE(ended_now.ok, ended_now.error);
  CHECK(l.verdict(l.commitment_value, l.host.time_ms) == "expired");
  CHECK(l.verdict(l.commitment_value, l.host.time_ms - 1) == "valid");
  l.host.next_block(day);
  CHECK(amend(issued_ms, l.host.time_ms + day).error.find("has expired") != std::string::npos);
  REQUIRE(l.change([](cert::Certificate& r) { cert::revoke(r, "fraud"); }).ok);
  CHECK(amend(issued_ms, l.host.time_ms + day).error == "only an active or suspended certificate can be amended");
}

TEST_CASE("amend_window moves a start that has not come yet") {
  Lifecycle l;
  const int64_t now_ms = l.host.time_ms;
  const int64_t day = 86'400'000;
  REQUIRE(l.issue(now_ms + 10 * day, now_ms + 20 * day).ok);
  l.host.next_block(day);
  auto postponed =
      l.change([=](cert::Certificate& r) { cert::amend_window(r, now_ms + 12 * day, now_ms + 20 * day, "postponed"); });
  REQUIRE_MESSAGE(postponed.ok, postponed.error);
  CHECK(l.verdict(l.commitment_value, now_ms + 11 * day) == "not_yet_valid");
  CHECK(l.verdict(l.commitment_value, now_ms + 12 * day) == "valid");
  auto into_past =
      l.change([=](cert::Certificate& r) { cert::amend_window(r, now_ms, now_ms + 20 * day, "advanced"); });
  CHECK(into_past.error.find("the start can only move") != std::string::npos);
}
