// Sign-in by pasted token (kept in sessionStorage), then the screen the viewer's role in the course calls
// for: graders get the grid, students their own page, observers the page of the student they observe.
import { gql, token } from "./api.js";
import { studentView } from "./student.js";
import { teacherView } from "./teacher.js";

const ME = `query Me {
  me {
    isAdmin
    user { id name }
    courses { roles grader course { id name } }
    enrollments { role courseId observedUser { id name } }
  }
}`;

const $ = (selector) => document.querySelector(selector);

function report(error) {
  const message = $("#message");
  message.hidden = !error;
  message.textContent = error ? `${error.message} (${error.code})` : "";
}

function signedOut() {
  $("#sign-in").hidden = false;
  $("#sign-out").hidden = true;
  $("#who").textContent = "";
  $("#view").replaceChildren();
  $("#token").focus();
}

/** Which screen the viewer gets: `?course=` picks among their courses (else the first). */
function screenFor(me) {
  const wanted = new URLSearchParams(location.search).get("course");
  const courses = me.courses.filter((c) => !wanted || c.course.id === wanted);
  const course = courses.find((c) => c.grader) ?? courses[0];
  if (me.isAdmin && wanted) return { kind: "teacher", courseId: wanted };
  if (!course) return null;
  const courseId = course.course.id;
  if (course.grader) return { kind: "teacher", courseId };
  if (course.roles.includes("STUDENT")) return { kind: "student", courseId, userId: me.user.id };
  const observed = me.enrollments.find((e) => e.courseId === courseId && e.observedUser);
  if (observed) return { kind: "student", courseId, userId: observed.observedUser.id };
  return { kind: "teacher", courseId }; // others see the API's refusal
}

async function start() {
  if (!token.get()) return signedOut();
  let me;
  try {
    me = (await gql(ME)).me;
  } catch (error) {
    report(error);
    token.clear();
    return signedOut();
  }
  $("#sign-in").hidden = true;
  $("#sign-out").hidden = false;
  $("#who").textContent = me.isAdmin ? "Signed in as an admin" : `Signed in as ${me.user.name}`;
  const screen = screenFor(me);
  const view = $("#view");
  if (!screen) {
    report({ message: "You take part in no course. An admin opens a course with ?course=ID.", code: "NO_COURSE" });
    return;
  }
  if (screen.kind === "teacher") await teacherView(view, screen.courseId, report);
  else await studentView(view, screen.courseId, screen.userId, report);
}

$("#sign-in").addEventListener("submit", (event) => {
  event.preventDefault();
  token.set($("#token").value);
  $("#token").value = "";
  start();
});
$("#sign-out").addEventListener("click", () => {
  token.clear();
  report(null);
  signedOut();
});
start().finally(() => document.body.setAttribute("data-ready", "true"));
