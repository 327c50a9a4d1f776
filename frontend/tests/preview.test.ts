// The preview's sample task: external media swapped for same-origin samples, missing keys filled to fit the tag.
import { describe, expect, it } from "vitest";
import { configDataRefs, isExternalUrl, previewData, previewInterfaces, SAMPLE_MEDIA, unsupportedTags } from "../src/components/preview";

const ORIGIN = "http://app.test";

describe("configDataRefs", () => {
  it("lists every $key with the tag reading it", () => {
    const config = `<View>
      <Image name="img" value="$image"/>
      <Header value="$title"/>
      <Paragraphs name="p" value="$dialogue" nameKey="speaker" textKey="line"/>
      <Choices name="c" toName="img"><Choice value="A"/></Choices>
    </View>`;
    expect(configDataRefs(config).map((ref) => [ref.key, ref.tag])).toEqual([
      ["image", "image"],
      ["title", "header"],
      ["dialogue", "paragraphs"],
    ]);
  });

  it("reads valueList as a list and ignores plain values", () => {
    const refs = configDataRefs('<View><Image name="i" valueList="$pages"/><Label value="Cat"/></View>');
    expect(refs).toEqual([{ key: "pages", tag: "image", attrs: { name: "i", valuelist: "$pages" }, list: true }]);
  });

  it("reads nothing from broken or empty XML", () => {
    expect(configDataRefs("<View><Image value='$image'>")).toEqual([]);
    expect(configDataRefs("   ")).toEqual([]);
  });
});

describe("isExternalUrl", () => {
  it("is true only for absolute http(s) URLs on another origin", () => {
    expect(isExternalUrl("https://example.com/a.jpg", ORIGIN)).toBe(true);
    expect(isExternalUrl("HTTP://example.com/a.jpg", ORIGIN)).toBe(true);
    expect(isExternalUrl(`${ORIGIN}/data/upload/a.jpg`, ORIGIN)).toBe(false);
    expect(isExternalUrl("/data/upload/a.jpg", ORIGIN)).toBe(false);
    expect(isExternalUrl("s3://bucket/a.jpg", ORIGIN)).toBe(false);
    expect(isExternalUrl("a sentence about https://example.com", ORIGIN)).toBe(false);
    expect(isExternalUrl(42, ORIGIN)).toBe(false);
  });
});

describe("previewData", () => {
  it("swaps external media for the same-origin samples, by the tag reading the key", () => {
    const config = `<View><Image name="i" value="$image"/><Audio name="a" value="$audio"/><AudioPlus name="b" value="$clip"/>
      <Video name="v" value="$video"/><TimeSeries name="ts" value="$csv" valueType="url"/></View>`;
    const sample = {
      image: "https://example.com/images/street.jpg",
      audio: "https://example.com/audio/clip.wav",
      clip: "http://example.com/b.mp3",
      video: "https://example.com/video/clip.mp4",
      csv: "https://example.com/ts.csv",
    };
    expect(previewData(config, sample, ORIGIN)).toEqual({
      image: SAMPLE_MEDIA.image,
      audio: SAMPLE_MEDIA.audio,
      clip: SAMPLE_MEDIA.audio,
      video: SAMPLE_MEDIA.video,
      csv: SAMPLE_MEDIA.timeseries,
    });
  });

  it("leaves text, same-origin media and keys no media tag reads as they are", () => {
    const config = '<View><Text name="t" value="$text"/><Image name="i" value="$image"/></View>';
    const sample = { text: "See https://example.com/page", image: "/data/upload/1/cat.png", extra: "https://example.com/x.jpg" };
    expect(previewData(config, sample, ORIGIN)).toEqual(sample);
  });

  it("swaps external URLs inside a list of images", () => {
    const config = '<View><Image name="i" valueList="$pages"/></View>';
    expect(previewData(config, { pages: ["https://example.com/1.png", "/local.png"] }, ORIGIN)).toEqual({
      pages: [SAMPLE_MEDIA.image, "/local.png"],
    });
  });

  it("fills every missing key with a placeholder shaped for its tag", () => {
    const config = `<View><Text name="t" value="$text"/><Image name="i" value="$image"/>
      <Paragraphs name="p" value="$chat" nameKey="who" textKey="said"/><Table name="tb" value="$row"/>
      <Labels name="l" toName="t" value="$labels"/><HyperText name="h" value="$html"/></View>`;
    const data = previewData(config, {}, ORIGIN);
    expect(typeof data.text).toBe("string");
    expect(data.image).toBe(SAMPLE_MEDIA.image);
    expect((data.chat as Record<string, string>[])[0]).toHaveProperty("who");
    expect((data.chat as Record<string, string>[])[0]).toHaveProperty("said");
    expect(typeof data.row).toBe("object");
    expect(data.labels).toEqual([{ value: "Option A" }, { value: "Option B" }]);
    expect(String(data.html)).toMatch(/^<p>/);
  });

  it("does not change the sample it was given", () => {
    const sample = { image: "https://example.com/a.png" };
    previewData('<View><Image name="i" value="$image"/></View>', sample, ORIGIN);
    expect(sample.image).toBe("https://example.com/a.png");
  });
});

describe("previewInterfaces", () => {
  it("shows the regions side column only for configs that make regions", () => {
    expect(previewInterfaces('<View><Labels name="l" toName="t"/><Text name="t" value="$t"/></View>')).toContain("side-column");
    expect(previewInterfaces('<View><RectangleLabels name="l" toName="i"/></View>')).toContain("side-column");
    expect(previewInterfaces('<View><Text name="t" value="$t"/><Choices name="c" toName="t"/></View>')).not.toContain("side-column");
  });
});

describe("unsupportedTags", () => {
  it("names the tags no bundled editor has, once each, as written", () => {
    const config = `<View><Video name="v" value="$video"/><VideoRectangle name="box" toName="v"/>
      <TimelineLabels name="t" toName="v"><Label value="A"/></TimelineLabels><TimelineLabels name="t2" toName="v"/></View>`;
    expect(unsupportedTags(config)).toEqual(["TimelineLabels"]); // VideoRectangle: the 1.13.1 build has it
  });

  it("accepts the editor's own tags and plain HTML, and says nothing about broken XML", () => {
    expect(unsupportedTags('<View><Header value="x"/><div><b>hi</b></div><Text name="t" value="$t"/></View>')).toEqual([]);
    expect(unsupportedTags("<View><Nope>")).toEqual([]);
  });
});
