// The parts of a page its scripts work on: elements marked with data-* attributes.

// The first element under root marked data-NAME, for each name (null if none).
export function marked(root, ...names) {
  return names.map((name) => root.querySelector("[data-" + name + "]"));
}
