// /api/docs: Swagger UI from the vendored bundle (static/vendor/swagger-ui), settings from the page.
(function () {
  var data = document.body.dataset;
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis];
  if (data.apiCsrf && data.csrfToken) {
    config.requestInterceptor = function (req) { req.headers["X-CSRFToken"] = data.csrfToken; return req; };
  }
  window.ui = SwaggerUIBundle(config);
})();
