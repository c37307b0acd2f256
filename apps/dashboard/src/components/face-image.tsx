// A face picture (an alert's crop or an enrolled photo) at a fixed size, or a placeholder when there is none.
export function FaceImage({ src, role, alt, large }: { src: string | undefined; role: 'crop' | 'enrolled'; alt: string; large?: boolean }) {
  const size = large ? 224 : 64;
  if (!src) {
    return (
      <span className={`face-img missing ${large ? 'large' : ''}`} data-role={role}>
        no image
      </span>
    );
  }
  return <img className={`face-img ${large ? 'large' : ''}`} data-role={role} src={src} alt={alt} width={size} height={size} loading="lazy" decoding="async" />;
}
