// A qualitative palette with enough contrast on white.
export const palette = ["#1f5fbf", "#d1495b", "#2a9d8f", "#e9a03b", "#7b4fbf", "#5c7a29", "#c2528b", "#4d6a8c"];
export const color = (i: number) => palette[i % palette.length];
