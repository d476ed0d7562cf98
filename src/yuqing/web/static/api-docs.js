// Starts Swagger UI on /api/v1/docs. A file, not an inline script, so the page works under
// a Content-Security-Policy without 'unsafe-inline'; the schema's URL comes from the tag.
(function () {
  "use strict";
  var openapiUrl = document.currentScript.dataset.openapiUrl;
  window.ui = SwaggerUIBundle({
    url: openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // No badge from validator.swagger.io: the page must not call out (intranets).
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
