#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli.hpp"

namespace crmcli {

Context::Context(const Command& cmd, Args a) : command(cmd), args(std::move(a)) { json = args.has("json"); }

std::vector<std::string> Context::operands(std::size_t n) {
    auto& pos = args.positionals;
    const auto flag = args.get("db");
    const std::string synopsis = "crm " + std::string(command.name) + " DB" +
                                 (command.operands.empty() ? "" : " " + std::string(command.operands));
    if (pos.size() == n + 1 && !flag) {
        db_path_ = pos.front();
        return {pos.begin() + 1, pos.end()};
    }
    if (pos.size() == n) {
        if (flag) {
            db_path_ = *flag;
        } else if (const char* env = std::getenv("CRM_DB"); env != nullptr && *env != '\0') {
            db_path_ = env;
        } else {
            // Either the database or an operand is missing; the synopsis says which.
            throw UsageError(std::string(n == 0 ? "no database given" : "missing arguments") + " (usage: " +
                             synopsis + ")");
        }
        return pos;
    }
    throw UsageError(std::string(pos.size() > n ? "too many" : "missing") + " arguments (usage: " + synopsis + ")");
}

crm::Database Context::open(Access access) const {
    crm::Options options;
    options.create(false);
    // --as USER (or $CRM_AS): run as that user of the file (docs/privacy.md). Such
    // a handle opens read-write even to read, so its audit entries get written.
    std::string as = args.get("as").value_or("");
    if (as.empty())
        if (const char* env = std::getenv("CRM_AS"); env != nullptr) as = env;
    if (!as.empty()) options.principal(as);
    if (access == Access::read && as.empty()) options.readonly(true);
    apply_key_from_env(options);
    return crm::Database(db_path_, options);
}

std::string Context::customer_id(crm::Database& db, const std::string& ref) const {
    const auto colon = ref.find(':');
    if (colon == std::string::npos) return ref;
    const std::string system = ref.substr(0, colon), external = ref.substr(colon + 1);
    if (system.empty() || external.empty())
        throw UsageError("\"" + ref + "\" is neither a customer id nor SYSTEM:EXTERNAL_ID");
    auto id = db.find_external(system, external);
    if (!id) throw Failure("no customer with " + system + " id \"" + external + "\"");
    return *id;
}

nlohmann::json json_object_option(const Args& args, std::string_view option) {
    std::string text = args.get(option).value_or("{}");
    const std::string name = "--" + std::string(option);
    if (!text.empty() && text.front() == '@') {
        std::ifstream in(text.substr(1), std::ios::binary);
        if (!in) throw Failure(text.substr(1) + ": cannot read");
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    nlohmann::json data;
    try {
        data = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw UsageError(name + ": not valid JSON (at byte " + std::to_string(e.byte) + ")");
    }
    if (!data.is_object()) throw UsageError(name + ": expected a JSON object {...}");
    return data;
}

const std::vector<Option>& common_options() {
    static const std::vector<Option> options = {
        {"db", 'd', "DB", false, "the database file (instead of the first argument; default $CRM_DB)"},
        {"json", 0, "", false, "machine-readable JSON on stdout (JSON Lines for lists)"},
        {"as", 0, "USER", false, "run as this user of the file, with its role's permissions (default $CRM_AS; none: the system)"},
        {"help", 'h', "", false, "show this help"},
    };
    return options;
}

bool stdout_is_tty() { return ::isatty(STDOUT_FILENO) == 1; }
bool stderr_is_tty() { return ::isatty(STDERR_FILENO) == 1; }

void print_json(const std::string& json_text) {
    if (stdout_is_tty()) {
        // Library output is valid UTF-8; "replace" only guards the display.
        std::cout << nlohmann::json::parse(json_text).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                  << '\n';
    } else {
        std::cout << json_text << '\n';
    }
}

void print_json_line(const std::string& json_text) { std::cout << json_text << '\n'; }

std::string short_time(std::string_view iso) {
    if (iso.size() < 16 || iso[10] != 'T') return std::string(iso);
    return std::string(iso.substr(0, 10)) + " " + std::string(iso.substr(11, 5));
}

}  // namespace crmcli
