// TEMPORARY placeholder until the import module lands (being written now).
#include "io/import.hpp"
#include "common/error.hpp"
namespace crmlite::io {
Json import_file(Database&, const std::string&, const ImportOptions&) { throw Error(CRM_ERROR, "import: not built yet"); }
Json export_file(Database&, const std::string&, const std::string&) { throw Error(CRM_ERROR, "export: not built yet"); }
}
