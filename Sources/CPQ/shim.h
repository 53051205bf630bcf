// CPQ: libpq, PostgreSQL's C client (Debian's libpq-dev), for PEFTStore's PostgreSQL backend.
// libpq is synchronous and thread-safe per connection, which fits PEFTLab's worker threads.
#pragma once
#include <postgresql/libpq-fe.h>
