// An outcome's header card: its calculation method in words, mastery points and how the students'
// scores fall into its rating levels (Course.masteryDistribution) as a small bar chart.
import { h, svg } from "./dom.js";
import { chip, methodInWords } from "./levels.js";

const BAR_WIDTH = 200;

function distributionChart(distribution) {
  const ratings = distribution?.ratings ?? [];
  const most = Math.max(1, ...ratings.map((rating) => rating.count));
  const row = 18;
  return svg("svg", {
    width: BAR_WIDTH + 190, height: row * ratings.length + 4, role: "img",
    "aria-label": ratings.map((rating) => `${rating.description}: ${rating.count}`).join(", "),
  }, ratings.map((rating, i) => [
    svg("text", { x: 0, y: row * i + 13 }, rating.description),
    svg("rect", { x: 120, y: row * i + 3, height: 12, width: Math.max(1, (BAR_WIDTH * rating.count) / most),
      fill: `#${rating.color ?? "767676"}`, stroke: "#1a1a1a" }),
    svg("text", { x: 126 + (BAR_WIDTH * rating.count) / most, y: row * i + 13 }, String(rating.count)),
  ]));
}

export function outcomeCard(outcome, distribution, scale, close) {
  return h("section", { class: "card", id: "outcome-card", "aria-label": `Outcome ${outcome.title}` },
    h("h3", {}, outcome.title),
    h("p", { class: "method" }, methodInWords(outcome.calculationMethod, outcome.calculationInt)),
    h("p", {}, `Mastery at ${scale?.masteryPoints ?? outcome.masteryPoints ?? "—"} of ${outcome.pointsPossible ?? "—"} points`),
    h("ul", { class: "legend" }, outcome.ratings.map((rating) => h("li", {}, chip(rating),
      `${rating.description} (${rating.points})${rating.mastery ? " ★" : ""}`))),
    h("h4", {}, `Students per level (${distribution?.totalStudents ?? 0} with a score)`),
    h("table", { class: "distribution" }, h("tbody", {}, (distribution?.ratings ?? []).map((rating) =>
      h("tr", {}, h("th", { scope: "row" }, rating.description), h("td", {}, String(rating.count)))))),
    distributionChart(distribution),
    h("p", {}, h("button", { type: "button", onclick: close }, "Close")));
}
