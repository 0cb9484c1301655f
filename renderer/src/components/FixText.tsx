// "What to do: …" under an error: the fix, when there is one.
export function FixText({ fix }: { fix: string | null | undefined }) {
  if (!fix) return null;
  return (
    <p className="banner-fix">
      <span className="fix-label">What to do:</span> {fix}
    </p>
  );
}
