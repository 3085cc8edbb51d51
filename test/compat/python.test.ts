import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFixed, parsePyStrDict, pyFloatRepr, pyFormat, pyRepr, pyStrRepr, roundHalfEven } from '../../src/compat/python.ts';

// Every expected string below was printed by CPython 3.11 (`print(fmt % value)`) at development time.

const FLOAT_CASES: Array<[string, number, string]> = [
  ["%11.3g", 0.0, "          0"],
  ["%11.3g", -0, "         -0"],
  ["%11.3g", 1.0, "          1"],
  ["%11.3g", 0.125, "      0.125"],
  ["%11.3g", 0.0625, "     0.0625"],
  ["%11.3g", 2.5, "        2.5"],
  ["%11.3g", 999.5, "      1e+03"],
  ["%11.3g", 9.995, "       9.99"],
  ["%11.3g", 0.0009995, "   0.000999"],
  ["%11.3g", 1e-05, "      1e-05"],
  ["%11.3g", 0.0001, "     0.0001"],
  ["%11.3g", 123456.0, "   1.23e+05"],
  ["%11.3g", 1234567.0, "   1.23e+06"],
  ["%11.3g", 1e+16, "      1e+16"],
  ["%11.3g", 5e-324, "  4.94e-324"],
  ["%11.3g", 0.7146173, "      0.715"],
  ["%11.3g", 0.99951, "          1"],
  ["%11.3g", 0.0645, "     0.0645"],
  ["%11.3g", Infinity, "        inf"],
  ["%11.3g", NaN, "        nan"],
  ["%11.3g", -0.000123456, "  -0.000123"],
  ["%11.3g", 0.30000000000000004, "        0.3"],
  ["%11.3g", 2.675, "       2.67"],
  ["%11.3g", 0.5, "        0.5"],
  ["%11.4g", 0.0, "          0"],
  ["%11.4g", -0, "         -0"],
  ["%11.4g", 1.0, "          1"],
  ["%11.4g", 0.125, "      0.125"],
  ["%11.4g", 0.0625, "     0.0625"],
  ["%11.4g", 2.5, "        2.5"],
  ["%11.4g", 999.5, "      999.5"],
  ["%11.4g", 9.995, "      9.995"],
  ["%11.4g", 0.0009995, "  0.0009995"],
  ["%11.4g", 1e-05, "      1e-05"],
  ["%11.4g", 0.0001, "     0.0001"],
  ["%11.4g", 123456.0, "  1.235e+05"],
  ["%11.4g", 1234567.0, "  1.235e+06"],
  ["%11.4g", 1e+16, "      1e+16"],
  ["%11.4g", 5e-324, " 4.941e-324"],
  ["%11.4g", 0.7146173, "     0.7146"],
  ["%11.4g", 0.99951, "     0.9995"],
  ["%11.4g", 0.0645, "     0.0645"],
  ["%11.4g", Infinity, "        inf"],
  ["%11.4g", NaN, "        nan"],
  ["%11.4g", -0.000123456, " -0.0001235"],
  ["%11.4g", 0.30000000000000004, "        0.3"],
  ["%11.4g", 2.675, "      2.675"],
  ["%11.4g", 0.5, "        0.5"],
  ["%20.5g", 0.0, "                   0"],
  ["%20.5g", -0, "                  -0"],
  ["%20.5g", 1.0, "                   1"],
  ["%20.5g", 0.125, "               0.125"],
  ["%20.5g", 0.0625, "              0.0625"],
  ["%20.5g", 2.5, "                 2.5"],
  ["%20.5g", 999.5, "               999.5"],
  ["%20.5g", 9.995, "               9.995"],
  ["%20.5g", 0.0009995, "           0.0009995"],
  ["%20.5g", 1e-05, "               1e-05"],
  ["%20.5g", 0.0001, "              0.0001"],
  ["%20.5g", 123456.0, "          1.2346e+05"],
  ["%20.5g", 1234567.0, "          1.2346e+06"],
  ["%20.5g", 1e+16, "               1e+16"],
  ["%20.5g", 5e-324, "         4.9407e-324"],
  ["%20.5g", 0.7146173, "             0.71462"],
  ["%20.5g", 0.99951, "             0.99951"],
  ["%20.5g", 0.0645, "              0.0645"],
  ["%20.5g", Infinity, "                 inf"],
  ["%20.5g", NaN, "                 nan"],
  ["%20.5g", -0.000123456, "         -0.00012346"],
  ["%20.5g", 0.30000000000000004, "                 0.3"],
  ["%20.5g", 2.675, "               2.675"],
  ["%20.5g", 0.5, "                 0.5"],
  ["%g", 1e+16, "1e+16"],
  ["%g", 123456.0, "123456"],
  ["%g", 1234567.0, "1.23457e+06"],
  ["%.2g", 0.125, "0.12"],
  ["%.0f", 2.5, "2"],
  ["%.0f", 3.5, "4"],
  ["%.1f", 0.25, "0.2"],
  ["%.1f", 0.35, "0.3"],
  ["%.3f", 1.0005, "1.000"],
  ["%.2f", 2.675, "2.67"],
  ["%e", 0.0, "0.000000e+00"],
  ["%.2e", 12345.678, "1.23e+04"],
  ["%10.4f", -3.14159, "   -3.1416"],
  ["%#.3g", 1.0, "1.00"],
  ["%#.3g", 100.0, "100."],
  ["%#.1g", 1000.0, "1.e+03"],
  ["%-9.3g|", 1.5, "1.5      |"],
  ["%+011.3g", -1e-07, "-000001e-07"],
  ["%+.3g", 2.0, "+2"],
  ["% g", 3.0, " 3"],
  ["%010g", Infinity, "0000000inf"],
  ["%.15g", 0.1, "0.1"],
  ["%.17g", 0.1, "0.10000000000000001"],
  ["%G", 1e-10, "1E-10"],
  ["%.3E", 5e+20, "5.000E+20"],
  ["%5.1f%%", 42.0, " 42.0%"],
];

const INT_CASES: Array<[string, number, string]> = [
  ["%11i", 0, "          0"],
  ["%11i", 128, "        128"],
  ["%11i", -42, "        -42"],
  ["%11i", 36335, "      36335"],
  ["%i", 3.9, "3"],
  ["%i", -3.9, "-3"],
  ["%5.3d", 7, "  007"],
  ["%-6d|", 12, "12    |"],
  ["%05i", -7, "-0007"],
  ["%+d", 5, "+5"],
  ["%11i", 1234567890123, "1234567890123"],
];

const STR_CASES: Array<[string, string | number, string]> = [
  ["%22s", "all", "                   all"],
  ["%22s", "mAP50-95", "              mAP50-95"],
  ["%11s", "Instances", "  Instances"],
  ["%11s", "a_very_long_class_name", "a_very_long_class_name"],
  ["%-8s|", "cat", "cat     |"],
  ["%.3s", "abcdef", "abc"],
  ["%s", 0.5, "0.5"],
  ["%s", 1e-05, "1e-05"],
  ["%s", 1e+16, "1e+16"],
  ["%s", 128, "128"],
];

test('float conversions match CPython, including ties to even and exponent form', () => {
  for (const [fmt, value, expected] of FLOAT_CASES) {
    assert.equal(pyFormat(fmt, value), expected, `${fmt} % ${value}`);
  }
});

test('integer conversions truncate like int() and pad like CPython', () => {
  for (const [fmt, value, expected] of INT_CASES) {
    assert.equal(pyFormat(fmt, value), expected, `${fmt} % ${value}`);
  }
});

test('string conversions, and str() of numbers', () => {
  for (const [fmt, value, expected] of STR_CASES) {
    assert.equal(pyFormat(fmt, value), expected, `${fmt} % ${value}`);
  }
});

test('several conversions in one format string, as val.py uses them', () => {
  // CPython: ('%22s' + '%11i' * 2 + '%11.3g' * 4) % ('all', 128, 929, 0.7146173, 0.633882, 0.7131, 0.474505)
  assert.equal(
    pyFormat('%22s%11i%11i%11.3g%11.3g%11.3g%11.3g', 'all', 128, 929, 0.7146173, 0.633882, 0.7131, 0.474505),
    '                   all        128        929      0.715      0.634      0.713      0.475',
  );
});

test('float repr follows CPython (exponent below 1e-4 and from 1e16)', () => {
  // CPython: repr(x) for each x
  const cases: Array<[number, string]> = [
    [0.1, '0.1'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [123.0, '123.0'],
    [-0.0, '-0.0'],
    [2.5e-7, '2.5e-07'],
  ];
  for (const [x, expected] of cases) assert.equal(pyFloatRepr(x), expected);
});

test('argument count and type errors are reported', () => {
  assert.throws(() => pyFormat('%11.3g %11.3g', 1), /not enough arguments/);
  assert.throws(() => pyFormat('%11.3g', 1, 2), /not all arguments converted/);
  assert.throws(() => pyFormat('%11.3g', 'x'), /needs a number/);
  assert.throws(() => pyFormat('%11i', NaN), /cannot convert NaN/);
  assert.throws(() => pyFormat('%q', 1), /unsupported conversion/);
});

test('repr of values as CPython prints them (layer-table arguments, ONNX names metadata)', () => {
  // CPython: repr([None, 2, 'nearest']), repr([-1, True, 1e-05, 0.5]), str({0: 'person', 1: "it's"})
  assert.equal(pyRepr([null, 2, 'nearest']), "[None, 2, 'nearest']");
  assert.equal(pyRepr([-1, true, 1e-5, 0.5]), '[-1, True, 1e-05, 0.5]');
  assert.equal(pyRepr(new Map([[0, 'person'], [1, "it's"]])), `{0: 'person', 1: "it's"}`);
  assert.equal(pyRepr({ a: false }), "{'a': False}");
  // CPython: repr('a\\b\'"\t\x01')
  assert.equal(pyStrRepr('a\\b\'"\t\x01'), `'a\\\\b\\'"\\t\\x01'`);
});

test('a repr\'d dict or list of strings reads back; anything else names the text', () => {
  const names = ['person', "it's", 'a\\b', 'tab\there', 'say "hi"'];
  assert.deepEqual(parsePyStrDict(pyRepr(new Map(names.map((n, i) => [i, n]))), 'names'), names);
  assert.deepEqual(parsePyStrDict("['x', 'y']", 'names'), ['x', 'y']);
  assert.throws(() => parsePyStrDict("{0: 'x'", 'metadata names'), /metadata names is not a Python dict or list of strings \(expected ',' or '}'/);
  assert.throws(() => parsePyStrDict('x, y', 'metadata names'), /metadata names is not a Python dict/);
});

test("round() and f'{x:.nf}' round exact ties to even", () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999].map(roundHalfEven), [0, 2, 2, -0, -2, 2]);
  // CPython: f'{0.125:.2f}', f'{-0.0:.2f}', f'{float("nan"):.1f}'
  assert.equal(formatFixed(0.125, 2), '0.12');
  assert.equal(formatFixed(-0.0, 2), '-0.00');
  assert.equal(formatFixed(NaN, 1), 'nan');
});
