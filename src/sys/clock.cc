#include "sys/clock.h"

#include <time.h>

#include <cstdio>

namespace companion::sys {

namespace {
int64_t read_clock(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}
}  // namespace

int64_t now_ms() {
  return read_clock(CLOCK_REALTIME);
}
int64_t monotonic_ms() {
  return read_clock(CLOCK_MONOTONIC);
}

void sleep_ms(int64_t ms) {
  if (ms <= 0) return;
  timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

std::string iso_time(int64_t epoch_ms) {
  time_t secs = static_cast<time_t>(epoch_ms / 1000);
  int ms = static_cast<int>(epoch_ms % 1000);
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  tm parts{};
  gmtime_r(&secs, &parts);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, ms);
  return buf;
}

std::optional<int64_t> parse_iso_time(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, consumed = 0;
  std::string str(text);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) !=
      6) {
    return std::nullopt;
  }
  int ms = 0;
  size_t pos = static_cast<size_t>(consumed);
  if (pos < str.size() && str[pos] == '.') {
    int scale = 100;
    for (++pos; pos < str.size() && str[pos] >= '0' && str[pos] <= '9'; ++pos) {
      ms += (str[pos] - '0') * scale;
      scale /= 10;
    }
  }
  if (pos >= str.size() || str[pos] != 'Z') return std::nullopt;
  tm parts{};
  parts.tm_year = y - 1900;
  parts.tm_mon = mo - 1;
  parts.tm_mday = d;
  parts.tm_hour = h;
  parts.tm_min = mi;
  parts.tm_sec = s;
  return static_cast<int64_t>(timegm(&parts)) * 1000 + ms;
}

}  // namespace companion::sys
