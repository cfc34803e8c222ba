// crm: the crmlite command line. Dispatches to a command, and turns every
// failure into one line "crm: <message>" on stderr and a documented exit status
// (the library's message already names the field at fault).
#include <iostream>
#include <span>

#include "commands.hpp"

namespace crmcli {

const std::vector<Command>& all_commands() {
    static const std::vector<Command> commands = {
        init_command(),  import_command(), add_command(),  show_command(), list_command(), search_command(),
        count_command(), tag_command(),    log_command(),  export_command(), info_command(),
        sync_command(),  changes_command(), apply_command(), conflicts_command(),
        backup_command(), restore_command(), verify_command(), rekey_command(), encrypt_command(), decrypt_command(),
        quality_command(), dupes_command(), merge_command(), unmerge_command(), validate_command(), normalize_command(),
        user_command(),  role_command(),   whoami_command(), audit_command(), subject_command(),
        // sales and marketing (commands_sales.cpp)
        pipeline_command(), opp_command(), opp_move_command(), opps_command(), lead_command(), leads_command(),
        lead_set_command(), lead_rule_command(), campaign_command(), audience_command(), member_command(), sales_delete_command(), sales_report_command(),
        rfm_command(), tasks_command(), followup_command(), stage_command(), tagrule_command(), churn_command(), report_command(),
    };
    return commands;
}

const Command* find_command(std::string_view name) {
    for (const auto& c : all_commands())
        if (c.name == name) return &c;
    return nullptr;
}

namespace {

// One line, whatever the message holds.
void fail_line(std::string_view message) {
    std::string line = "crm: ";
    for (const char c : message) line.push_back(c == '\n' || c == '\r' ? ' ' : c);
    std::cerr << line << "\n";
}

int dispatch(std::span<char* const> words) {
    if (words.empty()) {
        print_usage(std::cerr);
        return kUsage;
    }
    const std::string_view name = words[0];
    if (name == "--help" || name == "-h") {
        print_usage(std::cout);
        return kOk;
    }
    if (name == "--version") {
        std::cout << "crm " << crm_version() << "\n";
        return kOk;
    }
    if (name == "help") {
        if (words.size() == 1) {
            print_usage(std::cout);
            return kOk;
        }
        const Command* c = find_command(words[1]);
        if (c == nullptr) throw UsageError("no command \"" + std::string(words[1]) + "\" (see crm --help)");
        print_command_help(std::cout, *c);
        return kOk;
    }
    const Command* command = find_command(name);
    if (command == nullptr) throw UsageError("unknown command \"" + std::string(name) + "\" (see crm --help)");
    std::vector<Option> options = command->options;
    options.insert(options.end(), common_options().begin(), common_options().end());
    Args args;
    try {
        args = Args::parse(options, words.subspan(1));
    } catch (const UsageError& e) {
        throw UsageError(std::string(e.what()) + " (see crm help " + std::string(name) + ")");
    }
    if (args.has("help")) {
        print_command_help(std::cout, *command);
        return kOk;
    }
    Context ctx(*command, std::move(args));
    return command->run(ctx);
}

}  // namespace

}  // namespace crmcli

int main(int argc, char** argv) {
    using namespace crmcli;
    std::ios::sync_with_stdio(false);
    int status = kOk;
    try {
        status = dispatch(std::span<char* const>(argv + 1, static_cast<std::size_t>(argc > 0 ? argc - 1 : 0)));
    } catch (const UsageError& e) {
        fail_line(e.what());
        status = kUsage;
    } catch (const Failure& e) {
        fail_line(e.what());
        status = e.status();
    } catch (const crm::Error& e) {
        fail_line(e.what());
        status = kError;
    } catch (const nlohmann::json::type_error& e) {
        // 316: a string that is not UTF-8 reached a JSON record (from an argument).
        fail_line(e.id == 316 ? "an argument is not valid UTF-8" : e.what());
        status = e.id == 316 ? kUsage : kError;
    } catch (const std::exception& e) {
        fail_line(e.what());
        status = kError;
    }
    // A full disk or a closed pipe must not look like success.
    std::cout.flush();
    if (!std::cout && status == kOk) {
        fail_line("error writing to standard output");
        status = kError;
    }
    return status;
}
