// A student's drill-down for one outcome: each result in time order with the alignment it was recorded on,
// and the outcome's contributing scores for that student. One request.
import { gql } from "./api.js";
import { formatScore, h } from "./dom.js";

const DRILL = `query Drill($course: ID!, $user: ID!, $outcome: ID!) {
  user(id: $user) {
    outcomeResults(courseId: $course, outcomeIds: [$outcome], first: 100) {
      totalCount
      nodes { id score possible submittedOrAssessedAt title alignment { id name assetType } }
    }
  }
  course(id: $course) {
    contributingScores(outcomeId: $outcome, userIds: [$user]) {
      alignments { alignmentId associatedAssetName associatedAssetType }
      scores { alignmentId score submittedOrAssessedAt }
    }
  }
}`;

const when = (time) => (time ? new Date(time).toLocaleString() : "—");
export const byTime = (a, b) => (a.submittedOrAssessedAt ?? "").localeCompare(b.submittedOrAssessedAt ?? "");

export function drillDown(courseId, user, outcome, close, report) {
  const body = h("div", { class: "muted" }, "Loading…");
  const section = h("section", { class: "drill", id: "drill-down", "aria-label": `${user.name}: ${outcome.title}` },
    h("h3", {}, `${user.name} · ${outcome.title}`), body,
    h("p", {}, h("button", { type: "button", onclick: close }, "Close")));
  gql(DRILL, { course: courseId, user: user.id, outcome: outcome.id }).then((data) => {
    const results = [...data.user.outcomeResults.nodes].sort(byTime);
    const contributing = data.course.contributingScores;
    const names = new Map(contributing.alignments.map((a) => [a.alignmentId, `${a.associatedAssetName} (${a.associatedAssetType})`]));
    body.replaceChildren(
      h("h4", {}, "Results in time order"),
      results.length < data.user.outcomeResults.totalCount
        ? h("p", { class: "muted" }, `The first ${results.length} of ${data.user.outcomeResults.totalCount} results.`) : null,
      h("table", { id: "drill-results" },
        h("thead", {}, h("tr", {}, ["When", "Alignment", "Score"].map((title) => h("th", { scope: "col" }, title)))),
        h("tbody", {}, results.map((result) => h("tr", {},
          h("td", {}, when(result.submittedOrAssessedAt)),
          h("td", {}, `${result.alignment.name} (${result.alignment.assetType})`),
          h("td", { class: "score" }, `${formatScore(result.score)} / ${formatScore(result.possible)}`))))),
      h("h4", {}, "Contributing scores"),
      h("table", { id: "drill-contributing" },
        h("thead", {}, h("tr", {}, ["Alignment", "Score", "When"].map((title) => h("th", { scope: "col" }, title)))),
        h("tbody", {}, contributing.scores.map((score) => h("tr", {},
          h("td", {}, names.get(score.alignmentId) ?? score.alignmentId),
          h("td", { class: "score" }, formatScore(score.score)),
          h("td", {}, when(score.submittedOrAssessedAt)))))));
  }).catch((error) => { body.textContent = ""; report(error); });
  return section;
}
