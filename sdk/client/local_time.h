// Times as people in the consortium mean and read them: Europe/Berlin
// (docs/verification.md, section 8). Uses Howard Hinnant's date/tz library
// (Debian's libhowardhinnant-date-dev) with the system's tzdata, so summer
// and winter time follow the official rules of each date.
//
// Reading (parse_time_ms and parse_end_time_ms in certificate.h use these):
//  - "2026-12-07T15:30", "2026-12-07 15:30:10.5": Europe/Berlin local time;
//  - "2026-12-07T14:30Z", "...+01:00": the given offset, as written;
//  - "2026-12-07": the start of that day in Berlin, or for an end, the end
//    of that day (the start of the next day: ends are exclusive);
//  - a decimal number: milliseconds since 1970 (UTC).
// A local time that does not exist (the hour skipped in March) or exists
// twice (the hour repeated in October) is refused with Code::invalid_argument
// asking for an explicit offset.
//
// Writing: format_time_local() gives "2026-12-07 15:30:00 +01:00".
//
// Thread-safety: the time zone database is loaded once (thread-safe static
// initialisation inside the library); all functions may be called from
// several threads. Nothing throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace govchain::client {

inline constexpr std::string_view local_time_zone_name = "Europe/Berlin";

// Milliseconds since the epoch of a wall-clock time in Europe/Berlin.
Result<int64_t> local_time_ms(int year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                              unsigned second = 0, unsigned millisecond = 0);
// The start of the day after (year, month, day) in Europe/Berlin.
Result<int64_t> local_day_end_ms(int year, unsigned month, unsigned day);

// "YYYY-MM-DD HH:MM:SS +HH:MM" in Europe/Berlin; with milliseconds only when
// they are not zero.
std::string format_time_local(int64_t time_ms);
// The UTC offset in Europe/Berlin at that instant, in minutes (60 or 120).
int local_offset_minutes(int64_t time_ms);

}  // namespace govchain::client
