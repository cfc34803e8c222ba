#include "view/customer_view.hpp"

#include "access/access.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"

namespace crmlite::view {

Json customer_view(Database& db, const Uuid& id) {
    Json out;
    Json profile = customers::get(db, id);
    out["tags"] = profile["tags"];
    if (profile.contains("company_id")) {
        const Uuid company = Uuid::parse(profile["company_id"].get<std::string>(), "company_id");
        if (customers::exists(db, company) && access::visible(db, company)) {  // a company outside the scope stays hidden
            const Json c = customers::get(db, company);
            out["company"] = {{"id", c["id"]}, {"display_name", c["display_name"]}};
        }
    }
    out["profile"] = std::move(profile);
    // A merged-away id reads as its survivor (customers::get follows the redirect).
    out.update(interactions::summary(db, Uuid::parse(out["profile"]["id"].get<std::string>(), "id"), 10));
    return out;
}

}  // namespace crmlite::view
