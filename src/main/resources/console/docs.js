// Swagger UI over the server's own description. "Try it out" needs the key: Authorize with "Bearer".
const key = sessionStorage.getItem('charon.key');
window.SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  requestInterceptor: (request) => {
    if (key && !request.headers.Authorization) request.headers.Authorization = `Bearer ${key}`;
    return request;
  },
});
