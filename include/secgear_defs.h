/*
 * secgear_defs.h - secGear's small helper macros, for code written for
 * secGear that includes this header. cgear's own headers do not need it.
 *
 * CC_API_SPEC marks a function exported from a shared library.
 * CC_ARRAY_LEN(a) is the number of elements of array @a.
 * CC_IGNORE(x) evaluates @x and discards it.
 * The CC_MUTEX_*, CC_COND_*, CC_RWLOCK_* and CC_THREAD_ATTR_* macros call
 * the pthread function of the same name and discard its result: use them
 * only where a failure cannot happen or does not matter.
 */
#ifndef CGEAR_SECGEAR_DEFS_H
#define CGEAR_SECGEAR_DEFS_H

#include <pthread.h>

#ifndef CC_API_SPEC
#define CC_API_SPEC __attribute__((visibility("default")))
#endif

#define CC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define CC_IGNORE(x) ((void)(x))

#define CC_RWLOCK_LOCK_WR(l) CC_IGNORE(pthread_rwlock_wrlock(l))
#define CC_RWLOCK_LOCK_RD(l) CC_IGNORE(pthread_rwlock_rdlock(l))
#define CC_RWLOCK_UNLOCK(l) CC_IGNORE(pthread_rwlock_unlock(l))
#define CC_MUTEX_INIT(l, attr) CC_IGNORE(pthread_mutex_init((l), (attr)))
#define CC_MUTEX_DESTROY(l) CC_IGNORE(pthread_mutex_destroy(l))
#define CC_MUTEX_LOCK(l) CC_IGNORE(pthread_mutex_lock(l))
#define CC_MUTEX_UNLOCK(l) CC_IGNORE(pthread_mutex_unlock(l))
#define CC_COND_INIT(c, attr) CC_IGNORE(pthread_cond_init((c), (attr)))
#define CC_COND_SIGNAL(c) CC_IGNORE(pthread_cond_signal(c))
#define CC_COND_WAIT(c, l) CC_IGNORE(pthread_cond_wait((c), (l)))
#define CC_COND_DESTROY(c) CC_IGNORE(pthread_cond_destroy(c))
#define CC_THREAD_ATTR_INIT(a) CC_IGNORE(pthread_attr_init(a))
#define CC_THREAD_ATTR_DESTROY(a) CC_IGNORE(pthread_attr_destroy(a))

#endif
