// The teacher's grid: students down, outcomes across, one GraphQL request per screen.
import { gql, subscribe } from "./api.js";
import { exportCsv } from "./csv.js";
import { formatScore, h } from "./dom.js";
import { chip, legend, levelLabel } from "./levels.js";
import { outcomeCard } from "./outcome-card.js";
import { drillDown } from "./drill-down.js";

const GRID = `query Grid($course: ID!, $first: Int, $after: String, $last: Int, $before: String, $section: ID,
    $exclude: [RollupExclusion!], $sortBy: RollupSortBy, $sortOutcome: ID, $order: SortOrder, $stat: AggregateStat) {
  course(id: $course) {
    id name
    calculationMethod { method calculationInt }
    masteryScale { masteryPoints }
    sections { id name }
    outcomeRollups(first: $first, after: $after, last: $last, before: $before, sectionId: $section, exclude: $exclude,
                   sortBy: $sortBy, sortOutcomeId: $sortOutcome, sortOrder: $order) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      outcomes { id title displayName calculationMethod calculationInt masteryPoints pointsPossible
                 ratings { description points mastery color } }
      nodes {
        user { id name sortableName }
        enrollmentStatus
        sections { name }
        scoreSlots { score count rating { description points mastery color } }
      }
    }
    outcomeRollupAggregate(stat: $stat, sectionId: $section, exclude: $exclude) {
      scores { outcome { id } score count rating { description points mastery color } }
    }
    masteryDistribution(sectionId: $section, exclude: $exclude) {
      outcome { id } totalStudents ratings { description points color count }
    }
  }
}`;

const ORDER = `mutation Order($course: ID!, $order: [OutcomeOrderInput!]!) {
  assignOutcomeOrder(courseId: $course, order: $order) { id }
}`;
const ENQUEUE = `mutation Recalculate($course: ID!) { enqueueOutcomeRollupCalculation(courseId: $course) { id state progress } }`;
const FOLLOW = `subscription Job($id: ID!) { rollupJobUpdated(id: $id) { id state progress error } }`;
const EXCLUSIONS = [
  ["MISSING_USER_ROLLUPS", "Hide students without results"],
  ["CONCLUDED_ENROLLMENTS", "Hide concluded enrollments"],
  ["INACTIVE_ENROLLMENTS", "Hide inactive enrollments"],
];
const PAGE_SIZES = [10, 25, 50, 100];

/** Mounts the grid of one course in `root`; `report(error)` shows a refusal in the API's words. */
export function teacherView(root, courseId, report) {
  const state = {
    size: 10, page: { first: 10 }, section: null, exclude: new Set(), sortBy: "STUDENT", sortOutcome: null,
    order: "ASC", stat: "MEAN", selected: null, job: "",
  };
  let data = null;
  let loads = 0;

  const variables = () => ({
    course: courseId, ...state.page, section: state.section, exclude: [...state.exclude],
    sortBy: state.sortBy, sortOutcome: state.sortOutcome, order: state.order, stat: state.stat,
  });
  const filters = () => {
    const { course, first, last, after, before, stat, ...rest } = variables();
    return rest;
  };

  async function load(page = { first: state.size }) {
    state.page = page;
    try {
      data = (await gql(GRID, variables())).course;
      report(null);
    } catch (error) {
      data = null;
      report(error);
    }
    render();
    root.dataset.loads = String(++loads); // how many screens came back: lets a script wait for the next one
  }

  function restart(change) {
    change();
    return load();
  }

  function sortButton(label, sortBy, outcomeId) {
    const active = state.sortBy === sortBy && (sortBy === "STUDENT" || state.sortOutcome === outcomeId);
    const next = active && state.order === "ASC" ? "DESC" : "ASC";
    return h("button", {
      type: "button", class: "sort", "aria-pressed": String(active),
      "aria-label": `Sort by ${label}, ${next === "ASC" ? "ascending" : "descending"}`,
      dataset: { sort: outcomeId ?? "student" },
      onclick: () => restart(() => Object.assign(state, { sortBy, sortOutcome: outcomeId ?? null, order: next })),
    }, active ? (state.order === "ASC" ? "▲" : "▼") : "↕");
  }

  async function saveOrder(ids) {
    try {
      await gql(ORDER, { course: courseId, order: ids.map((outcomeId, i) => ({ outcomeId, position: i + 1 })) });
      await load(state.page);
    } catch (error) {
      report(error);
    }
  }

  function moveOutcome(id, to) {
    const ids = data.outcomeRollups.outcomes.map((outcome) => outcome.id).filter((other) => other !== id);
    ids.splice(Math.max(0, Math.min(to, ids.length)), 0, id);
    return saveOrder(ids);
  }

  function outcomeHeader(outcome, index) {
    const th = h("th", {
      scope: "col", draggable: "true", tabindex: "0", dataset: { outcome: outcome.id },
      "aria-label": `${outcome.title}. Alt and arrow keys move it.`,
      ondragstart: (event) => { event.dataTransfer.setData("text/plain", outcome.id); th.classList.add("dragging"); },
      ondragend: () => th.classList.remove("dragging"),
      ondragover: (event) => { event.preventDefault(); th.classList.add("drop-target"); },
      ondragleave: () => th.classList.remove("drop-target"),
      ondrop: (event) => {
        event.preventDefault();
        const moved = event.dataTransfer.getData("text/plain");
        if (moved && moved !== outcome.id) moveOutcome(moved, index);
      },
      onkeydown: (event) => {
        if (!event.altKey || !["ArrowLeft", "ArrowRight"].includes(event.key)) return;
        event.preventDefault();
        moveOutcome(outcome.id, index + (event.key === "ArrowLeft" ? -1 : 1));
      },
    },
    h("button", { type: "button", class: "outcome-title", onclick: () => { state.selected = { outcome: outcome.id }; render(); } },
      outcome.displayName ?? outcome.title),
    " ", sortButton(outcome.title, "OUTCOME", outcome.id));
    return th;
  }

  function cell(rollup, outcome, slot) {
    const rating = slot?.rating;
    return h("td", { class: "cell", dataset: { user: rollup.user.id, outcome: outcome.id } },
      h("button", {
        type: "button", title: rating?.description ?? "No rating",
        "aria-label": `${rollup.user.name}, ${outcome.title}: ${formatScore(slot?.score)} ${rating?.description ?? ""}`,
        onclick: () => { state.selected = { user: rollup.user, outcome: outcome.id }; render(); },
      }, chip(rating), h("span", { class: "score" }, formatScore(slot?.score)), levelLabel(rating)));
  }

  function aggregateRow(outcomes) {
    const byOutcome = new Map(data.outcomeRollupAggregate.scores.map((score) => [score.outcome.id, score]));
    return h("tr", { class: "aggregate" },
      h("th", { scope: "row" }, state.stat === "MEAN" ? "Mean" : "Median"),
      outcomes.map((outcome) => {
        const score = byOutcome.get(outcome.id);
        return h("td", { class: "cell", dataset: { outcome: outcome.id } },
          chip(score?.rating), h("span", { class: "score" }, formatScore(score?.score)), " ", levelLabel(score?.rating));
      }));
  }

  function controls() {
    const sectionSelect = h("select", {
      id: "section", onchange: (event) => restart(() => { state.section = event.target.value || null; }),
    }, h("option", { value: "" }, "All sections"),
    data.sections.map((section) => h("option", { value: section.id, selected: section.id === state.section }, section.name)));
    return h("div", { class: "controls" },
      h("label", {}, "Section ", sectionSelect),
      h("fieldset", {}, h("legend", {}, "Exclusions"), EXCLUSIONS.map(([value, label]) => h("label", {},
        h("input", {
          type: "checkbox", name: "exclude", value, checked: state.exclude.has(value),
          onchange: (event) => restart(() => state.exclude[event.target.checked ? "add" : "delete"](value)),
        }), ` ${label}`))),
      h("label", {}, "Summary row ", h("select", {
        id: "stat", onchange: (event) => restart(() => { state.stat = event.target.value; }),
      }, ["MEAN", "MEDIAN"].map((stat) => h("option", { value: stat, selected: stat === state.stat }, stat.toLowerCase())))),
      h("label", {}, "Students per page ", h("select", {
        id: "page-size", onchange: (event) => restart(() => { state.size = Number(event.target.value); }),
      }, PAGE_SIZES.map((size) => h("option", { value: size, selected: size === state.size }, size)))),
      h("button", { type: "button", id: "refresh", onclick: () => load(state.page) }, "Refresh"),
      h("button", { type: "button", id: "recalculate", onclick: recalculate }, "Recalculate"),
      h("button", { type: "button", id: "export", onclick: download }, "Export CSV"),
      h("span", { id: "job", class: "status", role: "status" }, state.job));
  }

  function pager(connection) {
    const info = connection.pageInfo;
    return h("nav", { class: "controls", "aria-label": "Pages" },
      h("button", { type: "button", id: "previous", disabled: !info.hasPreviousPage,
        onclick: () => load({ last: state.size, before: info.startCursor }) }, "◀ Previous"),
      h("span", { id: "total" }, `${connection.totalCount} students`),
      h("button", { type: "button", id: "next", disabled: !info.hasNextPage,
        onclick: () => load({ first: state.size, after: info.endCursor }) }, "Next ▶"));
  }

  function grid(connection) {
    const outcomes = connection.outcomes;
    return h("div", { class: "grid-wrap" }, h("table", { id: "grid" },
      h("caption", { class: "muted" }, "Click a title for its details, a cell for the student's results; drag a title (or Alt+arrow) to reorder."),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Student ", sortButton("student", "STUDENT")),
        outcomes.map(outcomeHeader))),
      h("tbody", {}, connection.nodes.map((rollup) => h("tr", { dataset: { user: rollup.user.id } },
        h("th", { scope: "row" }, rollup.user.name,
          rollup.enrollmentStatus === "ACTIVE" ? null : h("span", { class: "level" }, ` (${rollup.enrollmentStatus.toLowerCase()})`),
          h("div", { class: "level" }, rollup.sections.map((section) => section.name).join(", "))),
        outcomes.map((outcome, i) => cell(rollup, outcome, rollup.scoreSlots[i]))))),
      h("tfoot", {}, aggregateRow(outcomes))));
  }

  function detail() {
    if (!state.selected) return null;
    const outcome = data.outcomeRollups.outcomes.find((o) => o.id === state.selected.outcome);
    if (!outcome) return null;
    const close = () => { state.selected = null; render(); };
    if (!state.selected.user) {
      const distribution = data.masteryDistribution.find((d) => d.outcome.id === outcome.id);
      return outcomeCard(outcome, distribution, data.masteryScale, close);
    }
    return drillDown(courseId, state.selected.user, outcome, close, report);
  }

  async function recalculate() {
    const show = (text) => { state.job = text; const status = root.querySelector("#job"); if (status) status.textContent = text; };
    try {
      const job = (await gql(ENQUEUE, { course: courseId })).enqueueOutcomeRollupCalculation;
      show(`Recalculation ${job.state.toLowerCase()}`);
      const bar = h("progress", { id: "job-progress", max: "1", value: String(job.progress) });
      root.querySelector("#job").after(bar);
      let last = job;
      const follow = subscribe(FOLLOW, { id: job.id }, ({ rollupJobUpdated: update }) => {
        last = update;
        bar.value = update.progress;
        show(`Recalculation ${update.state.toLowerCase()} ${Math.round(update.progress * 100)}%`);
        if (update.state === "SUCCEEDED" || update.state === "FAILED") follow.stop();
      });
      await follow.done.catch((error) => { if (!["SUCCEEDED", "FAILED"].includes(last.state)) throw error; });
      if (last.state === "FAILED") show(`Recalculation failed: ${last.error ?? "no reason given"}`);
      await load(state.page);
    } catch (error) {
      show("");
      report(error);
    }
  }

  async function download() {
    try {
      const text = await exportCsv(courseId, filters());
      const link = h("a", { href: URL.createObjectURL(new Blob([text], { type: "text/csv" })), download: `outcomes-${courseId}.csv` });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (error) {
      report(error);
    }
  }

  /** A selector for the focused control, to give it focus again in the new screen (keyboard users stay put). */
  function focused() {
    const active = document.activeElement;
    if (!active || !root.contains(active)) return null;
    if (active.id) return `#${active.id}`;
    if (active.dataset.sort) return `[data-sort="${active.dataset.sort}"]`;
    if (active.tagName === "TH" && active.dataset.outcome) return `th[data-outcome="${active.dataset.outcome}"]`;
    return null;
  }

  function render() {
    const focus = focused();
    if (!data) {
      root.replaceChildren();
      return;
    }
    const connection = data.outcomeRollups;
    root.replaceChildren(
      h("h2", {}, data.name),
      controls(),
      legend(connection.outcomes),
      pager(connection),
      grid(connection),
      detail() ?? "");
    if (focus) root.querySelector(focus)?.focus();
  }

  return load();
}
