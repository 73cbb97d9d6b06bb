#ifndef CHIREDIS_SHIM_H
#define CHIREDIS_SHIM_H
// hiredis 0.14 from Debian's libhiredis-dev. Only the synchronous API and the
// protocol reader are used: variadic entry points (redisCommand, …) cannot be
// called from Swift, so ChorusRedis uses the …Argv forms.
#include <hiredis/hiredis.h>
#include <hiredis/read.h>
#endif
