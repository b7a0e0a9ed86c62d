// Test-only LD_PRELOAD shim: shifts CLOCK_REALTIME (clock_gettime, gettimeofday, time) by a number of
// milliseconds kept in the file named by HOPPER_CLOCK_OFFSET_FILE (8 bytes, a little-endian int64), read
// through a shared mapping at every call, so a test steps a server's wall clock by rewriting it in place.
// Monotonic clocks pass through untouched, as an NTP step leaves them. Real clocks are read by raw system
// call: no dlsym, whose allocation would call back into the clock (a redis-server built with jemalloc does).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile int64_t *offset_ms = 0;
static int mapping_tried = 0;

static int64_t current_offset_ms(void) {
  if (!mapping_tried) {
    mapping_tried = 1;
    const char *path = getenv("HOPPER_CLOCK_OFFSET_FILE");
    if (path) {
      int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
      if (fd >= 0) {
        void *mapped = (void *)syscall(SYS_mmap, 0, sizeof(int64_t), PROT_READ, MAP_SHARED, fd, 0);
        if (mapped != MAP_FAILED) offset_ms = (volatile int64_t *)mapped;
        syscall(SYS_close, fd);
      }
    }
  }
  return offset_ms ? *offset_ms : 0;
}

int clock_gettime(clockid_t clock, struct timespec *ts) {
  int result = (int)syscall(SYS_clock_gettime, clock, ts);
  if (result == 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) {
    int64_t ns = (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec + current_offset_ms() * 1000000;
    int64_t nanoseconds = ns % 1000000000;
    // C's division truncates toward zero: keep tv_nsec in [0, 1e9) for a time before the epoch's second.
    if (nanoseconds < 0) nanoseconds += 1000000000;
    ts->tv_sec = (ns - nanoseconds) / 1000000000;
    ts->tv_nsec = nanoseconds;
  }
  return result;
}

int gettimeofday(struct timeval *tv, void *tz) {
  struct timespec ts;
  int result = clock_gettime(CLOCK_REALTIME, &ts);
  if (result == 0 && tv) {
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  (void)tz;
  return result;
}

time_t time(time_t *out) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (out) *out = ts.tv_sec;
  return ts.tv_sec;
}
