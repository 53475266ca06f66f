// Renders /openapi.yaml with swagger-ui (vendored by scripts/setup into /vendor/swagger-ui/).
/* global SwaggerUIBundle */
window.addEventListener('DOMContentLoaded', () => {
  window.ui = SwaggerUIBundle({
    url: '/openapi.yaml',
    dom_id: '#swagger',
    deepLinking: true,
    tryItOutEnabled: false,
    validatorUrl: null, // no calls to outside validators
  });
});
