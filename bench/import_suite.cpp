// Suite "import": bulk import of the generated customers and interactions
// through crmlite's import API, beside the best hand-written raw SQLite loader
// into the same tables, indexes and full-text index; and beside that loader
// doing what only crmlite does as well (derived pinyin/collation columns, phone
// normalisation, change-capture rows), which prices those features separately.
// Each loader runs in its own child process: peak RSS is the loader's own.
#include <stdexcept>

#include "child.hpp"
#include "loaders.hpp"
#include "suite.hpp"

namespace bench {
namespace {

nlohmann::json checked(const nlohmann::json& j) {
    if (j.contains("error")) throw std::runtime_error(j["error"].get<std::string>());
    return j;
}

Result run_import(const Context& c) {
    const std::string raw_db = c.work + "/raw.db", full_db = c.work + "/raw_full.db";
    const auto ours = checked(run_in_child("crmlite import", [&] { return import_crmlite(c.crm_db, c.data); }));
    const auto raw = checked(run_in_child("raw import", [&] { return import_raw(raw_db, c.data, false); }));
    const auto full = checked(run_in_child("raw+ import", [&] { return import_raw(full_db, c.data, true); }));
    Result r;
    for (const char* what : {"customers", "interactions"}) {
        const double a = ours[what]["rows_per_s"], b = raw[what]["rows_per_s"], f = full[what]["rows_per_s"];
        r.figures.push_back({std::string("import ") + what, "rows/s", a, b, true});
        r.figures.push_back({std::string("import ") + what + " vs raw + normalise + capture", "rows/s", a, f, true});
    }
    r.figures.push_back({"import peak RSS", "MiB", ours["peak_rss_mib"], raw["peak_rss_mib"], false});
    r.figures.push_back({"file bytes per customer", "B", ours["bytes_per_customer"], raw["bytes_per_customer"], false});
    r.details = {{"crmlite", ours}, {"raw", raw}, {"raw_plus_normalise_and_capture", full}};
    return r;
}

const Register import{{"import", 10, run_import}};

}  // namespace
}  // namespace bench
