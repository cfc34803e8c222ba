// Help text, generated from the command declarations so that the options a
// command documents are exactly the options it accepts.
#include <algorithm>
#include <ostream>

#include "cli.hpp"
#include "table.hpp"

namespace crmcli {

namespace {

std::string synopsis(const Command& c) {
    std::string s = "crm " + std::string(c.name) + " DB";
    if (!c.operands.empty()) s += " " + std::string(c.operands);
    return s + " [OPTIONS]";
}

std::string option_label(const Option& o) {
    std::string label = o.short_name ? std::string("-") + o.short_name + ", " : "    ";
    label += "--" + std::string(o.name);
    if (!o.value_name.empty()) label += " " + std::string(o.value_name);
    return label;
}

void print_options(std::ostream& out, const std::vector<Option>& options) {
    int width = 0;
    for (const auto& o : options) width = std::max(width, display_width(option_label(o)));
    for (const auto& o : options) {
        out << "  " << pad(option_label(o), width) << "  " << o.help;
        if (o.repeatable) out << (o.help.find("repeat") == std::string_view::npos ? " (repeatable)" : "");
        out << "\n";
    }
}

}  // namespace

void print_usage(std::ostream& out) {
    out << "crm " << crm_version()
        << " - the crmlite command line: a customer database in one file\n"
           "\n"
           "usage: crm COMMAND DB [ARGUMENTS] [OPTIONS]\n"
           "       crm help COMMAND\n"
           "\n"
           "DB, the database file, is the first argument after the command; --db DB (-d) or the\n"
           "environment variable CRM_DB can give it instead. Options may come in any order.\n"
           "\n"
           "commands:\n";
    int width = 0;
    for (const auto& c : all_commands()) width = std::max(width, static_cast<int>(c.name.size()));
    for (const auto& c : all_commands()) out << "  " << pad(c.name, width) << "  " << c.summary << "\n";
    out << "\n"
           "Every command takes --json (machine-readable output on stdout: one JSON object, or\n"
           "JSON Lines for lists), --db DB and --help. Errors print one line \"crm: ...\" on stderr.\n"
           "Exit status: 0 success, 1 error, 2 bad command line, 3 import --strict with rejected rows,\n"
           "130 import interrupted (rolled back).\n"
           "\n"
           "Start with:\n"
           "  crm init shop.db\n"
           "  crm import shop.db customers.csv --system erp\n"
           "  crm show shop.db --external erp:C0000001\n"
           "  crm search shop.db 小明\n";
}

void print_command_help(std::ostream& out, const Command& c) {
    out << "usage: " << synopsis(c) << "\n\n" << c.summary << "\n";
    if (!c.details.empty()) out << "\n" << c.details;
    std::vector<Option> options = c.options;
    options.insert(options.end(), common_options().begin(), common_options().end());
    out << "\noptions:\n";
    print_options(out, options);
}

}  // namespace crmcli
