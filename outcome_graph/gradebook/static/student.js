// A student's own page (or an observer's, for the student they observe): mastery per outcome with its
// rating level, and each outcome's results over time as a small inline chart. One request.
import { gql } from "./api.js";
import { formatScore, h, svg } from "./dom.js";
import { chip, levelLabel } from "./levels.js";
import { byTime } from "./drill-down.js";

const STUDENT = `query Student($course: ID!, $user: ID!) {
  course(id: $course) {
    name
    outcomes { id title displayName masteryPoints pointsPossible ratings { description points mastery color } }
  }
  user(id: $user) {
    name
    outcomeRollups(courseId: $course) { scores { score count outcome { id } rating { description points mastery color } } }
    outcomeResults(courseId: $course, first: 100) {
      nodes { id score possible submittedOrAssessedAt outcome { id } alignment { name } }
    }
  }
}`;

const WIDTH = 240;
const HEIGHT = 60;

/** Scores over time as a line with a point per result and a dashed mastery line; described for screen readers. */
function chart(outcome, results) {
  const top = Math.max(outcome.pointsPossible ?? 0, ...results.map((r) => r.score ?? 0), 1);
  const scored = results.filter((r) => r.score != null);
  const x = (i) => (scored.length < 2 ? WIDTH / 2 : 8 + ((WIDTH - 16) * i) / (scored.length - 1));
  const y = (score) => HEIGHT - 6 - ((HEIGHT - 12) * score) / top;
  const points = scored.map((r, i) => [x(i), y(r.score)]);
  return svg("svg", {
    class: "chart", width: WIDTH, height: HEIGHT, role: "img",
    "aria-label": `Results over time: ${scored.map((r) => formatScore(r.score)).join(", ") || "none"}`,
  },
  outcome.masteryPoints == null ? [] : svg("line", {
    x1: 0, x2: WIDTH, y1: y(outcome.masteryPoints), y2: y(outcome.masteryPoints), stroke: "#767676", "stroke-dasharray": "4 3",
  }),
  svg("polyline", { points: points.map((p) => p.join(",")).join(" "), fill: "none", stroke: "#0b57d0", "stroke-width": 2 }),
  points.map(([cx, cy], i) => svg("circle", { cx, cy, r: 3, fill: "#0b57d0" },
    svg("title", {}, `${scored[i].alignment.name}: ${formatScore(scored[i].score)}`))));
}

export async function studentView(root, courseId, userId, report) {
  let data;
  try {
    data = await gql(STUDENT, { course: courseId, user: userId });
    report(null);
  } catch (error) {
    report(error);
    root.replaceChildren();
    return;
  }
  const scores = new Map(data.user.outcomeRollups.scores.map((score) => [score.outcome.id, score]));
  const results = [...data.user.outcomeResults.nodes].sort(byTime);
  root.replaceChildren(
    h("h2", {}, `${data.user.name} · ${data.course.name}`),
    h("ul", { class: "student-outcomes", id: "student-outcomes" }, data.course.outcomes.map((outcome) => {
      const score = scores.get(outcome.id);
      const own = results.filter((result) => result.outcome.id === outcome.id);
      return h("li", { dataset: { outcome: outcome.id } },
        h("h3", {}, outcome.displayName ?? outcome.title),
        h("p", {}, chip(score?.rating), " ", h("span", { class: "score" }, formatScore(score?.score)),
          ` of ${outcome.pointsPossible ?? "—"} · `, levelLabel(score?.rating),
          h("span", { class: "muted" }, ` · ${own.length} result${own.length === 1 ? "" : "s"}`)),
        own.length ? chart(outcome, own) : h("p", { class: "muted" }, "No results yet."));
    })));
}
