'use client';

export default function OverviewError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <section role="alert" data-testid="unavailable">
      <h1>Overview unavailable</h1>
      <p>The backend could not be reached or gave an unexpected answer. Try again in a moment.</p>
      <button type="button" onClick={() => reset()}>
        Try again
      </button>
    </section>
  );
}
