// How the config editor reads the server's verdict: which messages to show and which lines to mark.
import { describe, expect, it } from "vitest";
import { ApiError, errorFrom } from "../src/api";
import { configErrorMessages, editorHeight, errorLines, formatXml, lineCount, verdictMessages } from "../src/components/config-editor";

describe("configErrorMessages", () => {
  it("shows the label_config messages of a 400 as the server wrote them", () => {
    const error = errorFrom(400, {
      detail: "Validation error",
      validation_errors: { label_config: ["toName=\"x\" not found in names: ['c', 't']"] },
    });
    expect(configErrorMessages(error)).toEqual(["toName=\"x\" not found in names: ['c', 't']"]);
  });

  it("keeps multi-line messages (labels still used by annotations) whole", () => {
    const message = 'These labels still exist in annotations or drafts:\nPositive (1 annotation)\nPlease add labels to tag with name="sentiment".';
    expect(configErrorMessages(errorFrom(400, { detail: "Validation error", validation_errors: { label_config: [message] } }))).toEqual([message]);
  });

  it("falls back to the error's message", () => {
    expect(configErrorMessages(new ApiError(500, "The server answered HTTP 500."))).toEqual(["The server answered HTTP 500."]);
    expect(configErrorMessages(new Error("offline"))).toEqual(["offline"]);
  });
});

describe("verdictMessages", () => {
  it("is null for a pass, whatever the server's version answered", () => {
    expect(verdictMessages({ valid: true })).toBeNull();
    expect(verdictMessages({ valid: true, config_essential_data_has_changed: true })).toBeNull();
    expect(verdictMessages(null)).toBeNull();
    expect(verdictMessages({ config_essential_data_has_changed: false })).toBeNull();
  });

  it("lists the refusal's messages", () => {
    const answer = { valid: false, detail: "Validation error", validation_errors: { label_config: ["Unknown tag <Nope> at line 1"] } };
    expect(verdictMessages(answer)).toEqual(["Unknown tag <Nope> at line 1"]);
    expect(verdictMessages({ valid: false, detail: "Label config is broken" })).toEqual(["Label config is broken"]);
    expect(verdictMessages({ valid: false })).toEqual(["The server refuses this config."]);
  });
});

describe("errorLines", () => {
  it("finds the lines messages name, in the server's and lxml's phrasings", () => {
    expect(errorLines(["Unknown tag <Nope> at line 4. Did you mean <Text>?"])).toEqual([4]);
    expect(errorLines(['The name "a" is used twice (lines 2 and 7); every tag name must be unique.'])).toEqual([2, 7]);
    expect(errorLines(["Label config is not valid XML: Opening and ending tag mismatch: Text line 2 and Vie, line 3, column 7 (<string>, line 3)"])).toEqual([2, 3]);
  });

  it("ignores lines past the end and messages without lines", () => {
    expect(errorLines(["Unknown tag <X> at line 40", "toName=\"x\" not found"], 10)).toEqual([]);
  });
});

describe("editor size", () => {
  it("counts lines and grows between 12 and 26 lines", () => {
    expect(lineCount("")).toBe(1);
    expect(lineCount("<View>\n</View>\n")).toBe(3);
    expect(editorHeight(1)).toBe("calc(12 * 1.5em + 16px)");
    expect(editorHeight(15)).toBe("calc(17 * 1.5em + 16px)");
    expect(editorHeight(400)).toBe("calc(26 * 1.5em + 16px)");
  });
});

describe("formatXml", () => {
  it("puts one tag on each line, indented, keeping attributes and text", () => {
    const oneLine = '<View><Header value="Say &quot;hi&quot;"/><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="A &amp; B"/></Choices><Style>.x { color: red }</Style></View>';
    expect(formatXml(oneLine)).toBe(
      [
        "<View>",
        '  <Header value="Say &quot;hi&quot;"/>',
        '  <Text name="text" value="$text"/>',
        '  <Choices name="c" toName="text">',
        '    <Choice value="A &amp; B"/>',
        "  </Choices>",
        "  <Style>.x { color: red }</Style>",
        "</View>",
        "",
      ].join("\n"),
    );
  });

  it("keeps comments and gives null for broken XML", () => {
    expect(formatXml("<View><!-- note --><Text name='t' value='$t'/></View>")).toBe('<View>\n  <!-- note -->\n  <Text name="t" value="$t"/>\n</View>\n');
    expect(formatXml("<View><Text>")).toBeNull();
  });
});
