// What a client's statement may do to the server's SQLite database, whoever
// the client is: the SQLite authorizer every session runs its statements
// under. Refused are the features that reach past the database or change it
// behind the encryption catalog's back: ATTACH and DETACH (a new file
// anywhere the server can write), VACUUM INTO, every PRAGMA but a few that
// only read, load_extension, any change to the catalog tables (cloister_*),
// including renaming them, indexing or triggering on them, and creating an
// object of a catalog name in any schema (a TEMP view of that name would
// shadow the catalog, and the next INSERT would go out in plaintext).
// Cloister's own key statements lift the guard while they run.
#pragma once

namespace cloister::sql {

int guard_client_statement(void* unused, int action, const char* first, const char* second,
                           const char* database, const char* inner);

}  // namespace cloister::sql
