#include "args.hpp"

#include <charconv>

namespace crmcli {

namespace {

const Option* find_long(std::span<const Option> options, std::string_view name) {
    for (const auto& o : options)
        if (o.name == name) return &o;
    return nullptr;
}

const Option* find_short(std::span<const Option> options, char c) {
    for (const auto& o : options)
        if (o.short_name != 0 && o.short_name == c) return &o;
    return nullptr;
}

}  // namespace

Args Args::parse(std::span<const Option> options, std::span<char* const> argv) {
    Args out;
    const auto store = [&](const Option& o, std::string value) {
        auto& slot = out.values_[std::string(o.name)];
        if (!slot.empty() && !o.repeatable) throw UsageError("--" + std::string(o.name) + " given more than once");
        slot.push_back(std::move(value));
    };
    bool options_done = false;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string_view word = argv[i];
        // "-" alone is an operand (conventionally stdin); so is anything after "--".
        if (options_done || word.size() < 2 || word[0] != '-') {
            out.positionals.emplace_back(word);
            continue;
        }
        if (word == "--") {
            options_done = true;
            continue;
        }
        const Option* opt = nullptr;
        std::optional<std::string> inline_value;  // --name=value or -dVALUE
        std::string shown;                        // the option as the user wrote it, for messages
        if (word.starts_with("--")) {
            std::string_view name = word.substr(2);
            if (const auto eq = name.find('='); eq != std::string_view::npos) {
                inline_value = std::string(name.substr(eq + 1));
                name = name.substr(0, eq);
            }
            shown = "--" + std::string(name);
            opt = find_long(options, name);
        } else {
            shown = std::string(word.substr(0, 2));
            opt = find_short(options, word[1]);
            if (word.size() > 2) inline_value = std::string(word.substr(2));
        }
        if (opt == nullptr) throw UsageError("unknown option " + shown);
        if (opt->value_name.empty()) {
            if (inline_value) throw UsageError(shown + " takes no value");
            store(*opt, {});
            continue;
        }
        if (inline_value) {
            store(*opt, std::move(*inline_value));
        } else {
            // The next word is the value even when it starts with '-' (e.g. --amount -5.00).
            if (i + 1 >= argv.size()) throw UsageError(shown + " needs a value (" + std::string(opt->value_name) + ")");
            store(*opt, argv[++i]);
        }
    }
    return out;
}

std::optional<std::string> Args::get(std::string_view name) const {
    const auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second.back();
}

std::vector<std::string> Args::all(std::string_view name) const {
    const auto it = values_.find(name);
    return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::optional<std::int64_t> Args::integer(std::string_view name, std::int64_t min, std::int64_t max) const {
    const auto text = get(name);
    if (!text) return std::nullopt;
    std::int64_t v = 0;
    const auto* end = text->data() + text->size();
    const auto [ptr, ec] = std::from_chars(text->data(), end, v);
    if (ec != std::errc() || ptr != end || v < min || v > max)
        throw UsageError("--" + std::string(name) + ": \"" + *text + "\" is not a whole number from " +
                         std::to_string(min) + " to " + std::to_string(max));
    return v;
}

}  // namespace crmcli
