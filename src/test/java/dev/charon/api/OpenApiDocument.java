package dev.charon.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;
import dev.charon.testing.Http;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The OpenAPI document as a test oracle: which operations it declares, and whether a real response
 * (status, content type, body, headers) or a request body is what it declares. Schemas are checked
 * by json-schema-validator in the OpenAPI 3.1 dialect (JSON Schema 2020-12 with format assertions
 * on), in place inside the document, so their {@code $ref}s resolve to its components.
 */
final class OpenApiDocument {
  /** The document's base URI for the validator; never fetched, the text is registered under it. */
  static final String URI = "https://charon.invalid/openapi.json";

  /** Response headers this API sets that a document must declare wherever they appear. */
  static final List<String> API_HEADERS =
      List.of("Location", "Link", "X-Next-Cursor", "Idempotent-Replayed", "WWW-Authenticate");

  private static final Set<String> METHODS =
      Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");

  private final JsonNode root;
  private final SchemaRegistry schemas;

  OpenApiDocument(String text) {
    try {
      this.root = new ObjectMapper().readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException("the OpenAPI document is not JSON", e);
    }
    this.schemas =
        SchemaRegistry.withDialect(
            Dialects.getOpenApi31(),
            builder ->
                builder
                    .schemas(Map.of(URI, text))
                    .schemaRegistryConfig(
                        SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
  }

  static OpenApiDocument fromResource() {
    return new OpenApiDocument(new String(OpenApiRoutes.load(), StandardCharsets.UTF_8));
  }

  JsonNode root() {
    return root;
  }

  /**
   * Every documented operation as {@code "METHOD /path/{param}"}, the form HttpApi lists routes in.
   */
  Set<String> operations() {
    var operations = new LinkedHashSet<String>();
    root.path("paths")
        .properties()
        .forEach(
            path ->
                path.getValue()
                    .properties()
                    .forEach(
                        method -> {
                          if (METHODS.contains(method.getKey())) {
                            operations.add(
                                method.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
                          }
                        }));
    return operations;
  }

  /** A node of the document and its JSON pointer, after following a {@code $ref} if it is one. */
  record Located(JsonNode node, String pointer) {
    Located at(String... names) {
      var node = this.node;
      var pointer = new StringBuilder(this.pointer);
      for (var name : names) {
        node = node.path(name);
        pointer.append('/').append(name.replace("~", "~0").replace("/", "~1"));
      }
      return new Located(node, pointer.toString());
    }

    boolean missing() {
      return node.isMissingNode();
    }
  }

  Located resolve(Located located) {
    var ref = located.node().path("$ref");
    if (!ref.isTextual()) {
      return located;
    }
    if (!ref.asText().startsWith("#/")) {
      throw new IllegalStateException(
          "only local $refs are used in this document: " + ref.asText());
    }
    var pointer = ref.asText().substring(1);
    return resolve(new Located(root.at(pointer), pointer));
  }

  Located operation(String operation) {
    var parts = operation.split(" ", 2);
    return new Located(root, "").at("paths", parts[1], parts[0].toLowerCase(Locale.ROOT));
  }

  /** The response an operation declares for {@code status}, resolved. */
  Located response(String operation, int status) {
    return resolve(operation(operation).at("responses", Integer.toString(status)));
  }

  Located component(String kind, String name) {
    return new Located(root, "").at("components", kind, name);
  }

  /**
   * What is wrong with {@code actual} as an answer to {@code operation}: the status is not
   * declared, or the content type, body or headers are not what the declared response says.
   */
  List<String> violations(String operation, Http.Response actual) {
    var op = operation(operation);
    if (op.missing()) {
      return List.of(operation + " is not documented");
    }
    var response = response(operation, actual.status());
    if (response.missing()) {
      return List.of(
          operation
              + " answered "
              + actual.status()
              + ", which it does not declare (declared: "
              + fieldNames(op.node().path("responses"))
              + "); body: "
              + shorten(actual.body()));
    }
    return violations(operation + " -> " + actual.status(), response, actual);
  }

  /**
   * What is wrong with {@code actual} as the declared {@code response} (a resolved Response
   * Object).
   */
  List<String> violations(String what, Located response, Http.Response actual) {
    var problems = new ArrayList<String>();
    var contentType = actual.contentType().split(";")[0].trim().toLowerCase(Locale.ROOT);
    var content = response.at("content");
    if (content.missing()) {
      if (!actual.body().isEmpty()) {
        problems.add(what + ": declares no content but the body is " + shorten(actual.body()));
      }
    } else if (content.node().path(contentType).isMissingNode()) {
      problems.add(
          what
              + ": content type '"
              + contentType
              + "' is not declared (declared: "
              + fieldNames(content.node())
              + ")");
    } else {
      var body =
          contentType.endsWith("json") ? parse(actual.body()) : TextNode.valueOf(actual.body());
      schemaErrors(content.at(contentType, "schema"), body)
          .forEach(e -> problems.add(what + " body: " + e + " in " + shorten(actual.body())));
    }
    var headers = response.at("headers");
    for (var name : API_HEADERS) {
      var value = actual.header(name);
      var declared = declaredHeader(headers, name);
      if (value != null && declared == null) {
        problems.add(what + ": sends header " + name + " which is not declared");
      } else if (value != null) {
        schemaErrors(declared.at("schema"), TextNode.valueOf(value))
            .forEach(
                e -> problems.add(what + " header " + name + ": " + e + " in '" + value + "'"));
      }
    }
    if (!headers.missing()) {
      headers
          .node()
          .properties()
          .forEach(
              header -> {
                var declared = resolve(headers.at(header.getKey()));
                if (declared.node().path("required").asBoolean(false)
                    && actual.header(header.getKey()) == null) {
                  problems.add(what + ": required header " + header.getKey() + " is missing");
                }
              });
    }
    return problems;
  }

  private Located declaredHeader(Located headers, String name) {
    if (headers.missing()) {
      return null;
    }
    for (var header : (Iterable<String>) () -> headers.node().fieldNames()) {
      if (header.equalsIgnoreCase(name)) {
        return resolve(headers.at(header));
      }
    }
    return null;
  }

  /** Violations of the JSON request body schema an operation declares. */
  List<String> requestViolations(String operation, String body) {
    var requestBody = resolve(operation(operation).at("requestBody"));
    if (requestBody.missing()) {
      return List.of(operation + " declares no request body");
    }
    return schemaErrors(requestBody.at("content", "application/json", "schema"), parse(body));
  }

  /** Every {@code $ref} in the document that points at nothing in it. */
  List<String> danglingRefs() {
    var dangling = new ArrayList<String>();
    collectRefs(root, dangling);
    return dangling;
  }

  private void collectRefs(JsonNode node, List<String> dangling) {
    var ref = node.path("$ref");
    if (ref.isTextual()
        && (!ref.asText().startsWith("#/") || root.at(ref.asText().substring(1)).isMissingNode())) {
      dangling.add(ref.asText());
    }
    node.elements().forEachRemaining(child -> collectRefs(child, dangling));
  }

  /**
   * Every schema the document holds (components/schemas and each {@code schema} of a parameter,
   * header or media type), each checked against the JSON Schema 2020-12 meta-schema, which the
   * validator ships, so no network is needed.
   */
  List<String> invalidSchemas() {
    var metaSchema =
        SchemaRegistry.withDefaultDialect(com.networknt.schema.SpecificationVersion.DRAFT_2020_12)
            .getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
    var found = new java.util.LinkedHashMap<String, JsonNode>();
    root.path("components")
        .path("schemas")
        .properties()
        .forEach(e -> found.put("/components/schemas/" + e.getKey(), e.getValue()));
    collectSchemas(root.path("paths"), "/paths", found);
    collectSchemas(root.path("components"), "/components", found);
    var problems = new ArrayList<String>();
    found.forEach(
        (pointer, schema) ->
            metaSchema.validate(schema).forEach(e -> problems.add(pointer + ": " + e)));
    return problems;
  }

  private static void collectSchemas(JsonNode node, String pointer, Map<String, JsonNode> found) {
    node.properties()
        .forEach(
            e -> {
              var at = pointer + "/" + e.getKey().replace("~", "~0").replace("/", "~1");
              if (e.getKey().equals("schema")) {
                found.put(at, e.getValue());
              } else if (!at.equals("/components/schemas") && e.getValue().isContainerNode()) {
                collectSchemas(e.getValue(), at, found);
              }
            });
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collectSchemas(node.get(i), pointer + "/" + i, found);
      }
    }
  }

  /** Errors of {@code instance} against the schema at {@code schema}, validated in place. */
  List<String> schemaErrors(Located schema, JsonNode instance) {
    if (schema.missing()) {
      return List.of("no schema at " + schema.pointer());
    }
    return schemas
        .getSchema(SchemaLocation.of(URI + "#" + fragment(schema.pointer())))
        .validate(instance)
        .stream()
        .map(Object::toString)
        .toList();
  }

  /** A JSON pointer as a URI fragment: characters a fragment may not hold, percent-encoded. */
  private static String fragment(String pointer) {
    var out = new StringBuilder();
    for (byte b : pointer.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (Character.isLetterOrDigit(c) && c < 0x80 || "/~-._!$&'()*+,;=:@".indexOf(c) >= 0) {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  private static String shorten(String body) {
    return body.length() <= 300 ? body : body.substring(0, 300) + "…";
  }

  private static JsonNode parse(String body) {
    try {
      return new ObjectMapper().readTree(body);
    } catch (IOException e) {
      return TextNode.valueOf(body);
    }
  }

  private static List<String> fieldNames(JsonNode node) {
    var names = new ArrayList<String>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
