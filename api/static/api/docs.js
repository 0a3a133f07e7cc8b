// Starts Swagger UI on the API docs page. A static file because the site's CSP forbids inline script.
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.ui = window.SwaggerUIBundle({
    url: node.getAttribute("data-schema-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
    presets: [window.SwaggerUIBundle.presets.apis],
    // BaseLayout: the standalone top bar's logo carries an inline <style>, which the CSP blocks.
    layout: "BaseLayout",
    // Nothing leaves the site: no validator badge calling validator.swagger.io.
    validatorUrl: null
  });
})();
