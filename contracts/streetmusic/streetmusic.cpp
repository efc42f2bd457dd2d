// Street-music permit (docs/domain.md section 3).
//
// A public_order_office issues a permit for a zone and a time window
// (valid_from_ms .. valid_until_ms, both required) with condition codes such
// as "no_amplifier" or "max_30_minutes_per_spot". It is valid only inside its
// window, and the office may revoke it (complaints). verify_in_zone, the
// SDK's standard zone query, answers the officer's question "valid here and
// now?".
#include "govchain/govchain.h"

namespace streetmusic {

using namespace govchain;

GOVCHAIN_CONTRACT("streetmusic", "1.1.0", "street_music_permit", "Street-music permit for a zone and a time window.");

namespace {
constexpr const char* office_role = "public_order_office";
constexpr uint32_t conditions_max = 16;
constexpr int64_t window_ms_max = 366LL * 24 * 3600 * 1000;
}  // namespace

// The permit's facts under "music/" || id, as `permit` answers them (and as
// verifiers read them from a proof bundle, docs/verification.md); the zone
// is also the SDK's standard zone (cert::set_zone) for verify_in_zone.
GOVCHAIN_STRUCT(street_music_facts, (zone, zone), (list<code>, conditions));

namespace {
const Map<Hash, street_music_facts> permits("music/");
}  // namespace

GOVCHAIN_CERTIFICATE_QUERIES()
GOVCHAIN_ZONE_QUERIES()

// By a public_order_office of `municipality`; the window is required and at
// most a year long.
GOVCHAIN_CALL(issue, (hash, id), (name, municipality), (hash, commitment), (zone, zone), (i64, valid_from_ms),
              (i64, valid_until_ms), (list<code>, conditions)) {
  require_codes(conditions, conditions_max, "conditions must be at most 16 codes of [a-z0-9_]");
  require(valid_until_ms > valid_from_ms, "a street-music permit needs a time window");
  require(valid_until_ms - valid_from_ms <= window_ms_max, "time window longer than a year");
  cert::Issue request{id, certificate_type, municipality, commitment, valid_from_ms, valid_until_ms};
  cert::issue_as_office(request, office_role);
  cert::set_zone(id, zone);
  permits.set(id, street_music_facts{zone, conditions});
}

// By the controlling municipality's public_order_office, e.g. "complaints".
GOVCHAIN_CALL(revoke, (hash, id), (code, reason)) {
  cert::Certificate record = cert::load(id);
  cert::require_controlling_office(record, office_role);
  cert::revoke(record, reason);
}

GOVCHAIN_QUERY(permit, street_music_facts, (hash, id)) { return permits.at(id, "unknown certificate"); }

}  // namespace streetmusic
