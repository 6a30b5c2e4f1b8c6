/* clock.h — the monotonic clock for every timeout and timed wait: a wall clock stepped back or
 * forward must not lengthen or cut a wait. */
#ifndef ZEREN_CLOCK_H
#define ZEREN_CLOCK_H

#include <pthread.h>
#include <time.h>

/* Monotonic milliseconds (since an arbitrary start). */
long long clock_now_ms(void);
/* The monotonic time ms from now, for pthread_cond_timedwait on a clock_cond_init condition. */
struct timespec clock_after_ms(long long ms);
/* A condition variable whose timed waits count on the monotonic clock. */
void clock_cond_init(pthread_cond_t *cond);

#endif
