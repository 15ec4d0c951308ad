import Foundation

/// Kibana saved objects for `POST /api/saved_objects/_import` (NDJSON, one object per line): a data view
/// (`index-pattern` object) per RecLab index, legacy `visualization` objects reading them, and two
/// dashboards: offline comparisons (metric by strategy over time, latest values per strategy) and A/B tests
/// (daily metric per arm, lifts with their CIs). Objects refer to each other only through `references`
/// (a data view through `kibanaSavedObjectMeta.searchSourceJSON.index`, a panel through `panel_N`), as the
/// saved-objects format requires; the JSON-in-a-string attributes (`visState`, `panelsJSON`,
/// `searchSourceJSON`) are encoded JSON. Ids are fixed, so importing again overwrites instead of duplicating.
public enum KibanaObjects {
    /// Kibana version the objects are written for: the format of 7.10 and later, migrated by newer versions on import.
    static let panelVersion = "7.17.0"

    public static func dataViewId(_ index: String) -> String { "reclab-dv-" + index }

    public static func objects() -> [JSONValue] {
        var out: [JSONValue] = ElasticsearchExport.indices.map { index in
            .object([
                "type": .string("index-pattern"), "id": .string(dataViewId(index)),
                "attributes": .object(["title": .string(index), "timeFieldName": .string("@timestamp")]),
                "references": .array([]),
            ])
        }
        let metrics = ElasticsearchExport.metricsIndex, daily = ElasticsearchExport.dailyIndex, lifts = ElasticsearchExport.comparisonsIndex
        let offline = [
            visualization(id: "reclab-vis-offline-metric-over-time", title: "RecLab offline: metric by strategy over time",
                          index: metrics, query: "kind : \"offline\" and fold : \"all\"",
                          vis: lineChart(x: dateHistogram("@timestamp"), split: terms("strategy", size: 20), rows: terms("metric", size: 12),
                                         yField: "value", yTitle: "mean over users")),
            visualization(id: "reclab-vis-offline-latest-table", title: "RecLab offline: latest value per strategy and metric",
                          index: metrics, query: "kind : \"offline\" and fold : \"all\"",
                          vis: latestTable(rows: ["strategy", "metric"], values: ["value", "ci_low", "ci_high", "run_id"])),
        ]
        let ab = [
            visualization(id: "reclab-vis-ab-daily-metric", title: "RecLab A/B: daily metric per arm",
                          index: daily, query: "",
                          vis: lineChart(x: histogram("day"), split: terms("arm", size: 20), rows: terms("metric", size: 12),
                                         yField: "value", yTitle: "mean over visiting users")),
            visualization(id: "reclab-vis-ab-lifts-table", title: "RecLab A/B: relative lift against control with 95% CI",
                          index: lifts, query: "adjustment : \"none\"",
                          vis: latestTable(rows: ["arm", "metric"], values: ["rel_lift", "rel_ci_low", "rel_ci_high", "p_adjusted", "significant", "run_id"])),
            visualization(id: "reclab-vis-ab-lift-over-time", title: "RecLab A/B: relative lift per arm over runs",
                          index: lifts, query: "adjustment : \"none\"",
                          vis: lineChart(x: dateHistogram("@timestamp"), split: terms("arm", size: 20), rows: terms("metric", size: 12),
                                         yField: "rel_lift", yTitle: "relative lift vs control")),
        ]
        out += offline + ab
        out.append(dashboard(id: "reclab-dashboard-offline", title: "RecLab: offline comparisons",
                             description: "Offline evaluation runs exported by reclab export (index reclab-metrics).", panels: offline))
        out.append(dashboard(id: "reclab-dashboard-ab", title: "RecLab: A/B tests",
                             description: "Simulated A/B tests exported by reclab export (indices reclab-ab-daily, reclab-ab-comparisons).",
                             panels: ab))
        return out
    }

    /// The NDJSON file: one object per line, ending in a newline.
    public static func ndjson() -> String { objects().map { $0.text + "\n" }.joined() }

    static let indexRefName = "kibanaSavedObjectMeta.searchSourceJSON.index"

    static func searchSource(query: String, indexRef: Bool) -> String {
        var fields: [String: JSONValue] = [
            "query": .object(["query": .string(query), "language": .string("kuery")]), "filter": .array([]),
        ]
        if indexRef { fields["indexRefName"] = .string(indexRefName) }
        return JSONValue.object(fields).text
    }

    static func visualization(id: String, title: String, index: String, query: String, vis: JSONValue) -> JSONValue {
        guard case .object(var state) = vis else { return vis }
        state["title"] = .string(title)
        return .object([
            "type": .string("visualization"), "id": .string(id),
            "attributes": .object([
                "title": .string(title), "description": .string(""), "version": .integer(1), "uiStateJSON": .string("{}"),
                "visState": .string(JSONValue.object(state).text),
                "kibanaSavedObjectMeta": .object(["searchSourceJSON": .string(searchSource(query: query, indexRef: true))]),
            ]),
            "references": .array([.object(["name": .string(indexRefName), "type": .string("index-pattern"), "id": .string(dataViewId(index))])]),
        ])
    }

    static func dashboard(id: String, title: String, description: String, panels: [JSONValue]) -> JSONValue {
        var panelList: [JSONValue] = []
        var references: [JSONValue] = []
        for (i, panel) in panels.enumerated() {
            guard case .object(let p) = panel, case .string(let panelId)? = p["id"] else { continue }
            // Two panels per row, each half the 48-column grid.
            panelList.append(.object([
                "panelIndex": .string(String(i + 1)), "panelRefName": .string("panel_\(i)"), "embeddableConfig": .object([:]),
                "version": .string(panelVersion),
                "gridData": .object(["x": .integer((i % 2) * 24), "y": .integer((i / 2) * 15), "w": .integer(24), "h": .integer(15),
                                     "i": .string(String(i + 1))]),
            ]))
            references.append(.object(["name": .string("panel_\(i)"), "type": .string("visualization"), "id": .string(panelId)]))
        }
        return .object([
            "type": .string("dashboard"), "id": .string(id),
            "attributes": .object([
                "title": .string(title), "description": .string(description), "version": .integer(1), "timeRestore": .bool(false),
                "panelsJSON": .string(JSONValue.array(panelList).text),
                "optionsJSON": .string(JSONValue.object(["useMargins": .bool(true), "hidePanelTitles": .bool(false)]).text),
                "kibanaSavedObjectMeta": .object(["searchSourceJSON": .string(searchSource(query: "", indexRef: false))]),
            ]),
            "references": .array(references),
        ])
    }

    // MARK: - visState pieces (legacy visualization aggregations)

    static func agg(_ id: Int, _ type: String, _ schema: String, _ params: [String: JSONValue]) -> JSONValue {
        .object(["id": .string(String(id)), "enabled": .bool(true), "type": .string(type), "schema": .string(schema), "params": .object(params)])
    }

    static func dateHistogram(_ field: String) -> (String, [String: JSONValue]) {
        ("date_histogram", ["field": .string(field), "interval": .string("auto"), "min_doc_count": .integer(1), "extended_bounds": .object([:])])
    }

    static func histogram(_ field: String) -> (String, [String: JSONValue]) {
        ("histogram", ["field": .string(field), "interval": .integer(1), "min_doc_count": .bool(false), "extended_bounds": .object([:])])
    }

    static func terms(_ field: String, size: Int) -> (String, [String: JSONValue]) {
        ("terms", ["field": .string(field), "size": .integer(size), "order": .string("asc"), "orderBy": .string("_key"),
                   "otherBucket": .bool(false), "missingBucket": .bool(false)])
    }

    /// Average of `yField` along x, one line per `split` value, one small chart per `rows` value.
    static func lineChart(x: (String, [String: JSONValue]), split: (String, [String: JSONValue]), rows: (String, [String: JSONValue]),
                          yField: String, yTitle: String) -> JSONValue {
        .object([
            "type": .string("line"),
            "aggs": .array([
                agg(1, "avg", "metric", ["field": .string(yField)]),
                agg(2, x.0, "segment", x.1),
                agg(3, split.0, "group", split.1),
                agg(4, rows.0, "split", rows.1),
            ]),
            "params": .object([
                "type": .string("line"), "addTooltip": .bool(true), "addLegend": .bool(true), "legendPosition": .string("right"),
                "row": .bool(true),
                "seriesParams": .array([.object([
                    "show": .bool(true), "type": .string("line"), "mode": .string("normal"), "drawLinesBetweenPoints": .bool(true),
                    "showCircles": .bool(true), "data": .object(["id": .string("1"), "label": .string(yTitle)]), "valueAxis": .string("ValueAxis-1"),
                ])]),
                "valueAxes": .array([.object(["id": .string("ValueAxis-1"), "name": .string("LeftAxis-1"), "type": .string("value"),
                                              "position": .string("left"), "show": .bool(true),
                                              "scale": .object(["type": .string("linear"), "mode": .string("normal")]),
                                              "title": .object(["text": .string(yTitle)])])]),
                "categoryAxes": .array([.object(["id": .string("CategoryAxis-1"), "type": .string("category"), "position": .string("bottom"),
                                                 "show": .bool(true), "scale": .object(["type": .string("linear")]), "title": .object([:])])]),
            ]),
        ])
    }

    /// A data table: one row per combination of `rows`, each value column the newest document's value (top hit by time).
    static func latestTable(rows: [String], values: [String]) -> JSONValue {
        var aggs: [JSONValue] = []
        var id = 1
        for field in values {
            aggs.append(agg(id, "top_hits", "metric", ["field": .string(field), "aggregate": .string("concat"), "size": .integer(1),
                                                      "sortField": .string("@timestamp"), "sortOrder": .string("desc")]))
            id += 1
        }
        for field in rows {
            aggs.append(agg(id, "terms", "bucket", terms(field, size: 50).1))
            id += 1
        }
        return .object([
            "type": .string("table"), "aggs": .array(aggs),
            "params": .object(["perPage": .integer(20), "showPartialRows": .bool(false), "showMetricsAtAllLevels": .bool(false),
                               "showTotal": .bool(false), "totalFunc": .string("sum"), "percentageCol": .string("")]),
        ])
    }
}
