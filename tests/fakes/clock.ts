/** A high-resolution wall clock shared by the fakes and the benchmark (milliseconds, sub-ms precision). */
export const now = () => performance.timeOrigin + performance.now();
