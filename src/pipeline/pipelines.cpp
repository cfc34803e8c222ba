#include "pipeline/pipelines.hpp"

#include <SQLiteCpp/Statement.h>

#include "access/access.hpp"
#include "common/error.hpp"

namespace crmlite::pipeline {

namespace {

const std::vector<FieldSpec> kPipelineFields = {
    {"name", "name", FieldKind::text, 200},
    {"archived", "archived", FieldKind::boolean},
};
const std::vector<FieldSpec> kStageFields = {
    {"pipeline_id", "pipeline_id", FieldKind::ref},
    {"name", "name", FieldKind::text, 200},
    {"position", "position", FieldKind::integer, 0, {}, 0, 1000},
    {"probability", "probability", FieldKind::integer, 0, {}, 0, 100},
    {"outcome", "outcome", FieldKind::choice, 0, {"open", "won", "lost"}},
};
enum : int { kSPipeline, kSName, kSPosition, kSProbability, kSOutcome };

const sales::RecordType kPipeline{Table::pipelines, "pipelines", "pipeline", kPipelineFields};
const sales::RecordType kStage{Table::pipeline_stages, "pipeline_stages", "stage", kStageFields};

Stage stage_row(SQLite::Statement& st) {
    Stage s;
    s.id = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
    s.pipeline = Uuid::from_blob(st.getColumn(1).getBlob(), st.getColumn(1).getBytes());
    s.name = st.getColumn(2).getString();
    s.position = st.getColumn(3).getInt64();
    s.probability = st.getColumn(4).getInt64();
    s.outcome = st.getColumn(5).getString();
    return s;
}

Json stage_json(const Stage& s) {
    return {{"id", s.id.str()}, {"name", s.name}, {"position", s.position}, {"probability", s.probability}, {"outcome", s.outcome}};
}

// A stage and what stands in it (opportunities, through their hook).
void drop_stage(WriteScope& w, const Uuid& id) {
    remove_dependents(w, Table::pipeline_stages, id, Removal::deleted);
    sales::erase(w, kStage, id, Removal::deleted);
}

// The pipeline, its stages and (through their hooks) its opportunities.
void drop(WriteScope& w, const Uuid& id) {
    remove_dependents(w, Table::pipelines, id, Removal::deleted);
    for (const auto& s : sales::ids_where(w.db(), kStage, "pipeline_id", id)) drop_stage(w, s);
    sales::erase(w, kPipeline, id, Removal::deleted);
}

const RemovalHooks kHooks{{}, {{Table::pipelines, &drop}, {Table::pipeline_stages, &drop_stage}}};

}  // namespace

std::span<const FieldSpec> pipeline_fields() { return kPipelineFields; }
std::span<const FieldSpec> stage_fields() { return kStageFields; }

Json create(Database& db, const Json& input) {
    WriteScope w(db);
    sales::Values p(kPipelineFields.size());
    sales::read_into(kPipeline, input, p, {"stages"});
    if (sales::text_of(p[0]).empty()) invalid("pipeline.name", "required");
    if (!input.contains("stages") || !input["stages"].is_array() || input["stages"].empty())
        invalid("pipeline.stages", "expected a non-empty array of stages");
    const Uuid id = Uuid::v7();
    sales::insert(w, kPipeline, id, p);
    std::vector<sales::Values> stages;
    bool has_open = false, has_won = false, has_lost = false;
    for (std::size_t i = 0; i < input["stages"].size(); ++i) {
        const std::string field = "pipeline.stages[" + std::to_string(i) + "]";
        const Json& s = input["stages"][i];
        if (!s.is_object()) invalid(field, "expected an object");
        if (s.contains("pipeline_id") || s.contains("position")) invalid(field, "pipeline_id and position are set by the library");
        sales::Values v(kStageFields.size());
        const sales::RecordType named{Table::pipeline_stages, "pipeline_stages", field.c_str(), kStageFields};
        sales::read_into(named, s, v);
        if (sales::text_of(v[kSName]).empty()) invalid(field + ".name", "required");
        if (sales::is_null(v[kSOutcome])) v[kSOutcome] = std::string("open");
        const std::string outcome = sales::text_of(v[kSOutcome]);
        if (sales::is_null(v[kSProbability]))
            v[kSProbability] = std::int64_t{outcome == "won" ? 100 : 0};
        if (outcome == "won" && sales::int_of(v[kSProbability]) != 100) invalid(field + ".probability", "a won stage is 100");
        if (outcome == "lost" && sales::int_of(v[kSProbability]) != 0) invalid(field + ".probability", "a lost stage is 0");
        for (const auto& other : stages)
            if (sales::text_of(other[kSName]) == sales::text_of(v[kSName]))
                invalid(field + ".name", "\"" + sales::text_of(v[kSName]) + "\" appears twice");
        has_open = has_open || outcome == "open";
        has_won = has_won || outcome == "won";
        has_lost = has_lost || outcome == "lost";
        stages.push_back(std::move(v));
    }
    if (!has_open) invalid("pipeline.stages", "needs at least one open stage");
    if (!has_won) stages.push_back({std::monostate{}, std::string("Won"), std::monostate{}, std::int64_t{100}, std::string("won")});
    if (!has_lost) stages.push_back({std::monostate{}, std::string("Lost"), std::monostate{}, std::int64_t{0}, std::string("lost")});
    std::int64_t pos = 0;
    for (auto& v : stages) {
        v[kSPipeline] = id;
        v[kSPosition] = ++pos;
        sales::insert(w, kStage, Uuid::v7(), v);
    }
    w.commit();
    return get(db, id);
}

Json get(Database& db, const Uuid& id) {
    Json out = sales::render(db, kPipeline, id);
    Json stages = Json::array();
    for (const auto& s : stages_of(db, id)) stages.push_back(stage_json(s));
    out["stages"] = std::move(stages);
    return out;
}

Json list(Database& db) {
    std::vector<Uuid> ids;
    auto& st = db.stmt("SELECT id FROM pipelines ORDER BY created_at, id");
    while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
    st.reset();
    Json out = Json::array();
    for (const auto& id : ids) out.push_back(get(db, id));
    return out;
}

void remove(Database& db, const Uuid& id) {
    WriteScope w(db);
    sales::require(db, kPipeline, id);
    access::require(db, access::kDelete, "pipeline.delete");
    auto& st = db.stmt("SELECT count(*) FROM opportunities WHERE pipeline_id = ?");
    st.bind(1, id.data(), Uuid::size());
    st.executeStep();
    const std::int64_t used = st.getColumn(0).getInt64();
    st.reset();
    if (used > 0)
        throw Error(CRM_EEXISTS, "pipeline_id: pipeline " + id.str() + " is used by " + std::to_string(used) +
                                     " opportunit" + (used == 1 ? "y" : "ies") + " (archive it, or delete them first)");
    drop(w, id);
    w.commit();
}

bool update_stage(Database& db, const Uuid& id, const Json& patch) {
    WriteScope w(db);
    const auto current = sales::require(db, kStage, id);
    auto next = current;
    sales::read_into(kStage, patch, next);
    if (next[kSPipeline] != current[kSPipeline]) invalid("stage.pipeline_id", "cannot change");
    if (next[kSOutcome] != current[kSOutcome]) invalid("stage.outcome", "cannot change");
    if (sales::text_of(next[kSName]).empty()) invalid("stage.name", "required");
    if (sales::is_null(next[kSPosition]) || sales::is_null(next[kSProbability])) invalid("stage.probability", "cannot be cleared");
    const std::string outcome = sales::text_of(next[kSOutcome]);
    if (outcome != "open" && next[kSProbability] != current[kSProbability]) invalid("stage.probability", "fixed for a " + outcome + " stage");
    const bool changed = sales::update(w, kStage, id, current, next);
    w.commit();
    return changed;
}

std::optional<Stage> stage(Database& db, const Uuid& id) {
    auto& st = db.stmt("SELECT id, pipeline_id, name, position, probability, outcome FROM pipeline_stages WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    std::optional<Stage> out;
    if (st.executeStep()) out = stage_row(st);
    st.reset();
    return out;
}

std::vector<Stage> stages_of(Database& db, const Uuid& pipeline) {
    auto& st = db.stmt(
        "SELECT id, pipeline_id, name, position, probability, outcome FROM pipeline_stages WHERE pipeline_id = ? "
        "ORDER BY position, id");
    st.bind(1, pipeline.data(), Uuid::size());
    std::vector<Stage> out;
    while (st.executeStep()) out.push_back(stage_row(st));
    st.reset();
    return out;
}

std::optional<Uuid> sole_pipeline(Database& db) {
    auto& st = db.stmt("SELECT id FROM pipelines WHERE coalesce(archived, 0) = 0 LIMIT 2");
    std::vector<Uuid> ids;
    while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
    st.reset();
    if (ids.size() != 1) return std::nullopt;
    return ids[0];
}

}  // namespace crmlite::pipeline
