// The CSV export of the grid, with the columns of Canvas's Learning Mastery Gradebook export
// (docs/gradebook.md, "CSV export"): every student of the current filters and sort, all pages.
import { gql } from "./api.js";

const EXPORT = `query Export($course: ID!, $after: String, $section: ID, $exclude: [RollupExclusion!],
    $sortBy: RollupSortBy, $sortOutcome: ID, $order: SortOrder) {
  course(id: $course) {
    masteryScale { masteryPoints }
    outcomeRollups(first: 100, after: $after, sectionId: $section, exclude: $exclude, sortBy: $sortBy,
                   sortOutcomeId: $sortOutcome, sortOrder: $order) {
      pageInfo { hasNextPage endCursor }
      outcomes { id masteryPoints path { parts { name } } }
      nodes { user { id name sisUserId } scoreSlots { score } }
    }
  }
}`;

const quote = (value) => {
  const text = value == null ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** Rows (arrays) to CSV text, CRLF line ends as RFC 4180 says. */
export const toCsv = (rows) => rows.map((row) => row.map(quote).join(",")).join("\r\n") + "\r\n";

/** Header and one row per student: name, id, SIS id or N/A, then per outcome its result and mastery points. */
export function exportRows(outcomes, rollups, scaleMasteryPoints) {
  const paths = outcomes.map((outcome) => outcome.path.parts.map((part) => part.name).join(" > "));
  const header = ["Student name", "Student ID", "Student SIS ID",
    ...paths.flatMap((path) => [`${path} result`, `${path} mastery points`])];
  const rows = rollups.map((rollup) => [rollup.user.name, rollup.user.id, rollup.user.sisUserId ?? "N/A",
    ...outcomes.flatMap((outcome, i) => [rollup.scoreSlots[i]?.score, scaleMasteryPoints ?? outcome.masteryPoints])]);
  return [header, ...rows];
}

/** Reads every page of the grid's students and returns the CSV text. */
export async function exportCsv(courseId, filters) {
  let after = null;
  let outcomes = [];
  let scale = null;
  const rollups = [];
  do {
    const { course } = await gql(EXPORT, { course: courseId, after, ...filters });
    const page = course.outcomeRollups;
    outcomes = page.outcomes;
    scale = course.masteryScale?.masteryPoints ?? null;
    rollups.push(...page.nodes);
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  return toCsv(exportRows(outcomes, rollups, scale));
}
