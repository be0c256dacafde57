// Rating levels shown as a colour chip WITH the level's name (colour is never the only signal), and the
// calculation methods in words.
import { h } from "./dom.js";

const NO_COLOUR = "FFFFFF";

/** A chip for a rating level: its colour, its description on hover and for screen readers. */
export function chip(rating) {
  const colour = rating?.color ?? NO_COLOUR;
  const name = rating?.description ?? "No rating";
  return h("span", { class: "chip", style: `background:#${colour}`, title: name, "aria-hidden": "true" });
}

/** Chip, score and level name together, as a grid cell or a student's outcome shows them. */
export function levelLabel(rating) {
  return h("span", { class: "level" }, rating ? rating.description + (rating.mastery ? " ★" : "") : "no rating");
}

/** The distinct levels of these outcomes (by description and colour), highest first: the legend. */
export function legend(outcomes) {
  const seen = new Map();
  for (const outcome of outcomes) {
    for (const rating of outcome.ratings) {
      const key = `${rating.description}|${rating.color}`;
      if (!seen.has(key)) seen.set(key, rating);
    }
  }
  const levels = [...seen.values()].sort((a, b) => b.points - a.points);
  return h("ul", { class: "legend", "aria-label": "Rating levels" },
    levels.map((rating) => h("li", {}, chip(rating), `${rating.description} (${rating.points})`)),
    h("li", {}, "★ marks the mastery level"));
}

const METHODS = {
  DECAYING_AVERAGE: (n) => `Decaying average: the most recent result counts ${n}%, the average of the others ${100 - n}%`,
  WEIGHTED_AVERAGE: (n) => `Weighted average: the most recent result counts ${n}%, the average of the others ${100 - n}%`,
  STANDARD_DECAYING_AVERAGE: (n) => `Decaying average: each newer result counts ${n}% against everything before it`,
  N_MASTERY: (n) => `n Number of Times: the average of the mastery scores, once mastery is reached ${n} times`,
  LATEST: () => "Most recent score",
  HIGHEST: () => "Highest score",
  AVERAGE: () => "Average of all scores",
  POWER_LAW: () => "Power law: the trend of the scores in order, read at the latest one",
  MODE: () => "Most common level",
  RECENT_AVERAGE: (n) => `Average of the ${n} most recent scores`,
  RECENT_MEDIAN: (n) => `Median of the ${n} most recent scores`,
  HIGHEST_AVERAGE: (n) => `Average of the ${n} highest scores`,
};

/** "Decaying average: the most recent result counts 65%, ..." from the method and its parameter. */
export const methodInWords = (method, calculationInt) => METHODS[method]?.(calculationInt) ?? method;
