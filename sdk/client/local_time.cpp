#include "client/local_time.h"

#include <date/tz.h>

#include <chrono>
#include <cstdio>
#include <exception>

namespace govchain::client {

namespace {

using Milliseconds = std::chrono::milliseconds;

// The zone, or nullptr when the system has no tzdata (a refusal, not a
// crash: the caller then gets a Status naming the package).
const date::time_zone* berlin() {
  static const date::time_zone* zone = []() -> const date::time_zone* {
    try {
      return date::locate_zone(std::string(local_time_zone_name));
    } catch (const std::exception&) {
      return nullptr;
    }
  }();
  return zone;
}

Status no_zone() {
  return error(Code::unavailable, "the time zone Europe/Berlin is not known on this system: install tzdata");
}

std::string two_digits(unsigned value) {
  char text[4];
  std::snprintf(text, sizeof(text), "%02u", value % 100);
  return text;
}

}  // namespace

Result<int64_t> local_time_ms(int year, unsigned month, unsigned day, unsigned hour, unsigned minute, unsigned second,
                              unsigned millisecond) {
  const date::year_month_day civil{date::year{year}, date::month{month}, date::day{day}};
  if (!civil.ok() || hour > 23 || minute > 59 || second > 59 || millisecond > 999)
    return error(Code::invalid_argument, "not a valid date and time");
  const date::time_zone* zone = berlin();
  if (zone == nullptr) return no_zone();
  const date::local_time<Milliseconds> local = date::local_days{civil} + std::chrono::hours{hour} +
                                               std::chrono::minutes{minute} + std::chrono::seconds{second} +
                                               Milliseconds{millisecond};
  const date::local_info info = zone->get_info(date::floor<std::chrono::seconds>(local));
  if (info.result == date::local_info::nonexistent)
    return error(Code::invalid_argument,
                 "that time does not exist in Europe/Berlin (clocks skip it in spring); "
                 "give an offset such as +01:00");
  if (info.result == date::local_info::ambiguous)
    return error(Code::invalid_argument,
                 "that time occurs twice in Europe/Berlin (clocks go back in autumn); "
                 "give an offset: +02:00 for the first, +01:00 for the second");
  const auto utc = local.time_since_epoch() - std::chrono::duration_cast<Milliseconds>(info.first.offset);
  return static_cast<int64_t>(utc.count());
}

Result<int64_t> local_day_end_ms(int year, unsigned month, unsigned day) {
  const date::year_month_day civil{date::year{year}, date::month{month}, date::day{day}};
  if (!civil.ok()) return error(Code::invalid_argument, "not a valid date");
  const date::year_month_day next{date::sys_days{civil} + date::days{1}};
  return local_time_ms(static_cast<int>(next.year()), static_cast<unsigned>(next.month()),
                       static_cast<unsigned>(next.day()), 0, 0);
}

int local_offset_minutes(int64_t time_ms) {
  const date::time_zone* zone = berlin();
  if (zone == nullptr) return 0;
  const date::sys_time<Milliseconds> instant{Milliseconds{time_ms}};
  const date::sys_info info = zone->get_info(date::floor<std::chrono::seconds>(instant));
  return static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(info.offset).count());
}

std::string format_time_local(int64_t time_ms) {
  const int offset = local_offset_minutes(time_ms);
  const date::sys_time<Milliseconds> instant{Milliseconds{time_ms}};
  const auto local = instant + std::chrono::minutes{offset};
  const auto day = date::floor<date::days>(local);
  const date::year_month_day civil{day};
  const date::hh_mm_ss<Milliseconds> clock{local - day};
  std::string text =
      std::to_string(static_cast<int>(civil.year())) + "-" + two_digits(static_cast<unsigned>(civil.month())) + "-" +
      two_digits(static_cast<unsigned>(civil.day())) + " " + two_digits(static_cast<unsigned>(clock.hours().count())) +
      ":" + two_digits(static_cast<unsigned>(clock.minutes().count())) + ":" +
      two_digits(static_cast<unsigned>(clock.seconds().count()));
  if (clock.subseconds().count() != 0) {
    char fraction[8];
    std::snprintf(fraction, sizeof(fraction), ".%03d", static_cast<int>(clock.subseconds().count()));
    text += fraction;
  }
  const int magnitude = offset < 0 ? -offset : offset;
  text += std::string(" ") + (offset < 0 ? "-" : "+") + two_digits(static_cast<unsigned>(magnitude / 60)) + ":" +
          two_digits(static_cast<unsigned>(magnitude % 60));
  return text;
}

}  // namespace govchain::client
