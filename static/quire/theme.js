/* Quire: runs in <head> before the page paints, so a remembered theme never flashes the other one. */
(function () {
  var root = document.documentElement;
  root.classList.add("js");
  try {
    var theme = window.localStorage.getItem("quire-theme");
    if (theme === "light" || theme === "dark") {
      root.setAttribute("data-theme", theme);
    }
  } catch (error) {
    /* Storage may be disabled: the system setting still applies. */
  }
})();
